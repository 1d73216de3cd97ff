// How many texts in visible namespaces mention the file at this version's path, in any indexed version of its repository.
MATCH (v:CodeFile {id: $target_id})<-[:CONTAINS]-(:Commit)<-[:HAS_COMMIT]-(r:Repository)
MATCH (r)-[:HAS_COMMIT]->(:Commit)-[:CONTAINS]->(f:CodeFile)<-[:MENTIONS]-(t)
WHERE f.path = v.path AND ($any_namespace OR t.namespace IN $namespaces)
RETURN count(DISTINCT t) AS count
