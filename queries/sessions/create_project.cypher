CREATE (p:Project {id: $id, namespace: $namespace, created_at: $now, updated_at: $now, name: $name, path: $path, description: $description})
RETURN p AS node
