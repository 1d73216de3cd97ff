// A namespace's current relations (at most one per from, to and type).
MATCH (a:Entity)-[r:RELATED]->(b:Entity)
WHERE a.namespace = $namespace AND r.valid_to IS NULL
RETURN a.id AS from_id, b.id AS to_id, r.type AS type
