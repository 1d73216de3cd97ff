// The repository of a namespace indexed from this path (or imported under it).
MATCH (r:Repository) WHERE r.namespace = $namespace AND r.path = $path
RETURN r.id AS id
