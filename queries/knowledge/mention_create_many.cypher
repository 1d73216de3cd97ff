// Link text nodes written in this transaction to the entities they mention (no edge can exist yet).
UNWIND $pairs AS p
MATCH (t:__LABEL__ {id: p.text_id}), (e:Entity {id: p.entity_id})
CREATE (t)-[:MENTIONS]->(e)
