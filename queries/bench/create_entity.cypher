CREATE (:Entity {id: $id, namespace: $namespace, created_at: $created_at, name: $name, name_key: $name_key, kind: $kind})
