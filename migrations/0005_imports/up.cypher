// Imports: which import recorded a legacy key, which nodes an import created (so that
// `import rollback` removes exactly those), and the legacy fields of imported reflections.
ALTER TABLE LegacyKey ADD job_id STRING;
ALTER TABLE Reflection ADD metadata STRING;
CREATE NODE TABLE ImportedNode(node_id STRING, label STRING, job_id STRING, PRIMARY KEY(node_id));
