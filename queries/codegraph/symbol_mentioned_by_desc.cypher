// Texts that mention the symbol with this version's qualified name, in any indexed version of its repository:
// oldest first between the id bounds (backward pages), in visible namespaces.
MATCH (v:Symbol {id: $target_id})<-[:DEFINES]-(:CodeFile)<-[:CONTAINS]-(:Commit)<-[:HAS_COMMIT]-(r:Repository)
MATCH (r)-[:HAS_COMMIT]->(:Commit)-[:CONTAINS]->(:CodeFile)-[:DEFINES]->(s:Symbol)<-[:MENTIONS]-(t)
WHERE s.qualname = v.qualname AND ($any_namespace OR t.namespace IN $namespaces)
WITH DISTINCT t
WHERE t.id > $after_id AND t.id < $before_id
RETURN t AS node, label(t) AS label
ORDER BY t.id
LIMIT $limit
