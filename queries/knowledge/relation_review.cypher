// Accept or reject a proposed, current relation.
MATCH (a:Entity)-[r:RELATED]->(b:Entity)
WHERE r.id = $id AND r.status = 'proposed' AND r.valid_to IS NULL
SET r.status = $status
RETURN a.id AS from_id, b.id AS to_id, r.id AS id, r.type AS type, r.confidence AS confidence, r.score AS score, r.method AS method, r.evidence AS evidence, r.status AS status, r.valid_from AS valid_from, r.valid_to AS valid_to, r.job_id AS job_id
