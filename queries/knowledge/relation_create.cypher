MATCH (a:Entity {id: $from_id}), (b:Entity {id: $to_id})
CREATE (a)-[r:RELATED {id: $id, type: $type, confidence: $confidence, score: $score, method: $method, evidence: $evidence, status: $status, valid_from: $now, job_id: $job_id}]->(b)
RETURN a.id AS from_id, b.id AS to_id, r.id AS id, r.type AS type, r.confidence AS confidence, r.score AS score, r.method AS method, r.evidence AS evidence, r.status AS status, r.valid_from AS valid_from, r.valid_to AS valid_to, r.job_id AS job_id
