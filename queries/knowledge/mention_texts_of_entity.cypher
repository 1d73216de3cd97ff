// A page of the texts that mention an entity, in id order.
MATCH (t)-[:MENTIONS]->(e:Entity {id: $id})
WHERE t.id > $after_id
RETURN t AS node, label(t) AS label
ORDER BY t.id
LIMIT $limit
