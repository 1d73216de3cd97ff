// The MENTIONS edges to code of a namespace's texts of one table within an id range.
MATCH (t:__LABEL__)-[:MENTIONS]->(c)
WHERE t.namespace = $namespace AND t.id >= $first_id AND t.id <= $last_id AND label(c) IN ['CodeFile', 'Symbol']
RETURN t.id AS text_id, c.id AS target_id
