// The kept entity after a merge: the union of observations, aliases and properties.
MATCH (e:Entity {id: $id})
SET e.observations = $observations, e.aliases = $aliases, e.properties = $properties, e.updated_at = $now
RETURN e AS node
