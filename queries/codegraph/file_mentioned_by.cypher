// Texts that mention the file at this version's path, in any indexed version of its repository.
MATCH (v:CodeFile {id: $file_id})<-[:CONTAINS]-(:Commit)<-[:HAS_COMMIT]-(r:Repository)
MATCH (r)-[:HAS_COMMIT]->(:Commit)-[:CONTAINS]->(f:CodeFile)<-[:MENTIONS]-(t)
WHERE f.path = v.path
RETURN DISTINCT t.id AS id
ORDER BY id
LIMIT $limit
