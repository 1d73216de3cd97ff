// Discovery proposals of a namespace that a reviewer accepted or rejected (current or retired).
MATCH (a:Entity)-[r:RELATED]->(b:Entity)
WHERE a.namespace = $namespace AND r.job_id IS NOT NULL AND r.status IN ['accepted', 'rejected']
RETURN r.id AS id, r.status AS status, r.score AS score, r.method AS method, r.evidence AS evidence
ORDER BY r.id
