// The current (not retired) relation of a type from one entity to another, if any.
MATCH (a:Entity {id: $from_id})-[r:RELATED]->(b:Entity {id: $to_id})
WHERE r.type = $type AND r.valid_to IS NULL
RETURN r.id AS id
