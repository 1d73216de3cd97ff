// Link a text node to an entity it mentions; at most one edge per pair.
MATCH (t:__LABEL__ {id: $text_id}), (e:Entity {id: $entity_id})
MERGE (t)-[:MENTIONS]->(e)
