// Every RELATED edge of a namespace, whatever its status or validity.
MATCH (a:Entity)-[r:RELATED]->(b:Entity)
WHERE a.namespace = $namespace
RETURN a.id AS from_id, b.id AS to_id, r.type AS type, r.status AS status, r.valid_to IS NULL AS current, r.job_id AS job_id
