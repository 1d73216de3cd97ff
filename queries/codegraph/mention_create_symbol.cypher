// Link a text node written in this transaction to a Symbol it names (no edge can exist yet).
MATCH (t:__LABEL__ {id: $text_id}), (c:Symbol {id: $target_id})
CREATE (t)-[:MENTIONS]->(c)
