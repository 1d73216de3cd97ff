// The texts that mention an entity, with their tables.
MATCH (t)-[:MENTIONS]->(e:Entity {id: $id})
RETURN t.id AS id, label(t) AS label
