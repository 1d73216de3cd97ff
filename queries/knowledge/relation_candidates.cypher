// A page of a job's relations of one status, best score first (keyset: score, then id).
MATCH (a:Entity)-[r:RELATED]->(b:Entity)
WHERE r.job_id = $job_id AND r.status = $status AND r.valid_to IS NULL
  AND (r.score < $after_score OR (r.score = $after_score AND r.id > $after_id))
RETURN a.id AS from_id, b.id AS to_id, r.id AS id, r.type AS type, r.confidence AS confidence, r.score AS score, r.method AS method, r.evidence AS evidence, r.status AS status, r.valid_from AS valid_from, r.valid_to AS valid_to, r.job_id AS job_id
ORDER BY r.score DESC, r.id
LIMIT $limit
