// The names and aliases of a namespace's entities (what mention matching looks for).
MATCH (e:Entity)
WHERE e.namespace = $namespace
RETURN e.id AS id, e.name AS name, e.aliases AS aliases
