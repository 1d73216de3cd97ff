DROP TABLE ImportedNode;
ALTER TABLE Reflection DROP metadata;
ALTER TABLE LegacyKey DROP job_id;
