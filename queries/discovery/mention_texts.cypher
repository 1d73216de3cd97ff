// The content of each text that mentions an entity of a namespace.
MATCH (t)-[:MENTIONS]->(e:Entity)
WHERE e.namespace = $namespace
WITH DISTINCT t
RETURN t.id AS id, t.content AS content
