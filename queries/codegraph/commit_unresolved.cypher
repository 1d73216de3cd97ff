// The file versions of these commits with their imports of modules outside their
// repository (the parse result only for versions stored before those were kept).
MATCH (c:Commit)-[:CONTAINS]->(f:CodeFile)
WHERE c.id IN $commit_ids
RETURN c.id AS commit_id, f.id AS id, f.path AS path, f.module AS module, f.unresolved_imports AS unresolved,
       CASE WHEN f.unresolved_imports IS NULL THEN f.analysis ELSE NULL END AS analysis
