// IMPORTS edges from one repository's code to another's, with the importing commit (the
// caller keeps each repository's latest).
MATCH (r:Repository)-[:HAS_COMMIT]->(c:Commit)-[:CONTAINS]->(f:CodeFile)-[:IMPORTS]->(g:CodeFile)<-[:CONTAINS]-(:Commit)<-[:HAS_COMMIT]-(s:Repository)
WHERE r.namespace = $namespace AND s.id <> r.id
RETURN DISTINCT r.id AS from_repository, c.id AS commit_id, f.path AS from_path, s.id AS to_repository, g.path AS to_path
