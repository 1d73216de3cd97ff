// Retire one RELATED edge (a duplicate left by a merge) by its id.
MATCH (a:Entity {id: $from_id})-[r:RELATED]->(b:Entity {id: $to_id})
WHERE r.id = $id
SET r.valid_to = $now
