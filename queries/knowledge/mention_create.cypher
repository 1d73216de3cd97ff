// Link a text node written in this transaction to an entity it mentions (no edge can exist yet).
MATCH (t:__LABEL__ {id: $text_id}), (e:Entity {id: $entity_id})
CREATE (t)-[:MENTIONS]->(e)
