// Repositories of a namespace with this name or path.
MATCH (r:Repository) WHERE r.namespace = $namespace AND (r.name = $repo OR r.path = $repo)
RETURN r.id AS id, r.name AS name, r.path AS path, r.remote AS remote
ORDER BY r.id
