// The entity pairs a discovery job has already written, whatever became of them since.
MATCH (a:Entity)-[r:RELATED]->(b:Entity)
WHERE r.job_id = $job_id
RETURN a.id AS from_id, b.id AS to_id
