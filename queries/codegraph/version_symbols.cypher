// The symbols of file versions.
MATCH (f:CodeFile)-[:DEFINES]->(s:Symbol)
WHERE f.id IN $file_ids
RETURN f.id AS file_id, s.id AS id, s.qualname AS qualname, s.module AS module
