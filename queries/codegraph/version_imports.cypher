// IMPORTS edges leaving file versions.
MATCH (a:CodeFile)-[:IMPORTS]->(b:CodeFile)
WHERE a.id IN $file_ids
RETURN a.id AS from_id, b.id AS to_id
