// The MENTIONS edges of a namespace's texts of one table within an id range.
MATCH (t:__LABEL__)-[:MENTIONS]->(e:Entity)
WHERE t.namespace = $namespace AND t.id >= $first_id AND t.id <= $last_id
RETURN t.id AS text_id, e.id AS entity_id
