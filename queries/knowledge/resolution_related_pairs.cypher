// Every pair of a namespace's entities joined by any RELATED edge (any status, retired too).
MATCH (a:Entity)-[:RELATED]->(b:Entity)
WHERE a.namespace = $namespace
RETURN DISTINCT a.id AS from_id, b.id AS to_id
