// Texts that mention the symbol with this version's qualified name, in any version of its repository.
MATCH (v:Symbol {id: $symbol_id})<-[:DEFINES]-(:CodeFile)<-[:CONTAINS]-(:Commit)<-[:HAS_COMMIT]-(r:Repository)
MATCH (r)-[:HAS_COMMIT]->(:Commit)-[:CONTAINS]->(:CodeFile)-[:DEFINES]->(s:Symbol)<-[:MENTIONS]-(t)
WHERE s.qualname = v.qualname
RETURN DISTINCT t.id AS id
ORDER BY id
LIMIT $limit
