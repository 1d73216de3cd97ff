// Entities of a namespace.
MATCH (e:Entity)
WHERE e.namespace = $namespace
RETURN count(*) AS entities
