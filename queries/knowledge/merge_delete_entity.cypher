// Delete a merged-away entity and its remaining edges.
MATCH (e:Entity {id: $id})
DETACH DELETE e
