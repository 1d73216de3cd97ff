// How many texts in visible namespaces mention the symbol with this version's qualified name, in any indexed version of its repository.
MATCH (v:Symbol {id: $target_id})<-[:DEFINES]-(:CodeFile)<-[:CONTAINS]-(:Commit)<-[:HAS_COMMIT]-(r:Repository)
MATCH (r)-[:HAS_COMMIT]->(:Commit)-[:CONTAINS]->(:CodeFile)-[:DEFINES]->(s:Symbol)<-[:MENTIONS]-(t)
WHERE s.qualname = v.qualname AND ($any_namespace OR t.namespace IN $namespaces)
RETURN count(DISTINCT t) AS count
