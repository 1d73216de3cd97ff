// Texts that mention the file at this version's path, in any indexed version of its repository:
// newest first (descending id) between the id bounds, in visible namespaces.
MATCH (v:CodeFile {id: $target_id})<-[:CONTAINS]-(:Commit)<-[:HAS_COMMIT]-(r:Repository)
MATCH (r)-[:HAS_COMMIT]->(:Commit)-[:CONTAINS]->(f:CodeFile)<-[:MENTIONS]-(t)
WHERE f.path = v.path AND ($any_namespace OR t.namespace IN $namespaces)
WITH DISTINCT t
WHERE t.id > $after_id AND t.id < $before_id
RETURN t AS node, label(t) AS label
ORDER BY t.id DESC
LIMIT $limit
