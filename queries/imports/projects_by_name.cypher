// A namespace's projects by name (the oldest first), to reuse those an import names.
MATCH (p:Project)
WHERE p.namespace = $namespace
RETURN p.name AS name, p.id AS id
ORDER BY p.created_at, p.id
