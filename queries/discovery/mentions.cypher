// Text-to-entity MENTIONS edges of a namespace's entities.
MATCH (t)-[:MENTIONS]->(e:Entity)
WHERE e.namespace = $namespace
RETURN t.id AS text_id, e.id AS entity_id
