// Ids of every entity of a namespace.
MATCH (e:Entity)
WHERE e.namespace = $namespace
RETURN e.id AS id
