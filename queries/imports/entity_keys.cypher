// A namespace's entities by name key, to merge imported entities into existing ones.
MATCH (e:Entity)
WHERE e.namespace = $namespace
RETURN e.name_key AS name_key, e.id AS id
