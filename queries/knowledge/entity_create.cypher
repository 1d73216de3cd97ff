// Create an entity.
CREATE (e:Entity {id: $id, namespace: $namespace, created_at: $now, updated_at: $now, name: $name, name_key: $name_key, kind: $kind, observations: $observations, aliases: $aliases, properties: $properties})
RETURN e AS node
