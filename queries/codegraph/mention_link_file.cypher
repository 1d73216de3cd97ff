// Link a stored text node to a CodeFile it names; at most one edge per pair.
MATCH (t:__LABEL__ {id: $text_id}), (c:CodeFile {id: $target_id})
MERGE (t)-[:MENTIONS]->(c)
