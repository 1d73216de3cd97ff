// The entities of a namespace with what discovery reads of them.
MATCH (e:Entity)
WHERE e.namespace = $namespace
RETURN e.id AS id, e.name AS name, e.kind AS kind, e.observations AS observations, e.aliases AS aliases
ORDER BY e.id
