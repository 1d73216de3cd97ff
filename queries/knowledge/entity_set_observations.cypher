// Replace an entity's observations.
MATCH (e:Entity {id: $id})
SET e.observations = $observations, e.updated_at = $now
RETURN e AS node
