// CALLS edges leaving the symbols of file versions.
MATCH (f:CodeFile)-[:DEFINES]->(a:Symbol)-[:CALLS]->(b:Symbol)
WHERE f.id IN $file_ids
RETURN a.id AS from_id, b.id AS to_id
