// INHERITS edges leaving the classes of file versions.
MATCH (f:CodeFile)-[:DEFINES]->(a:Symbol)-[:INHERITS]->(b:Symbol)
WHERE f.id IN $file_ids
RETURN a.id AS from_id, b.id AS to_id
