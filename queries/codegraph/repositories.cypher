// The repositories of a namespace.
MATCH (r:Repository) WHERE r.namespace = $namespace
RETURN r.id AS id, r.name AS name, r.path AS path, r.remote AS remote
ORDER BY r.id
