// The entity of a namespace with this normalised name, if any.
MATCH (e:Entity)
WHERE e.namespace = $namespace AND e.name_key = $name_key
RETURN e.id AS id
ORDER BY e.id
LIMIT 1
