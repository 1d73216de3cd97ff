// The entities of a namespace with what duplicate detection compares.
MATCH (e:Entity)
WHERE e.namespace = $namespace
RETURN e.id AS id, e.name AS name, e.name_key AS name_key, e.aliases AS aliases, e.kind AS kind
ORDER BY e.id
