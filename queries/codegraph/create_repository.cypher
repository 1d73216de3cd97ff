// A repository, found again by namespace and path.
CREATE (r:Repository {id: $id, namespace: $namespace, created_at: $now, legacy_id: $legacy_id, name: $name, remote: $remote, path: $path})
RETURN r.id AS id
