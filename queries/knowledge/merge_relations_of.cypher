// Every RELATED edge into or out of an entity, current or retired, with all its properties.
MATCH (a:Entity {id: $id})-[r:RELATED]->(b:Entity)
RETURN a.id AS from_id, b.id AS to_id, r.id AS id, r.type AS type, r.confidence AS confidence, r.score AS score, r.method AS method, r.evidence AS evidence, r.status AS status, r.valid_from AS valid_from, r.valid_to AS valid_to, r.job_id AS job_id
UNION ALL
MATCH (a:Entity)-[r:RELATED]->(b:Entity {id: $id})
WHERE a.id <> b.id
RETURN a.id AS from_id, b.id AS to_id, r.id AS id, r.type AS type, r.confidence AS confidence, r.score AS score, r.method AS method, r.evidence AS evidence, r.status AS status, r.valid_from AS valid_from, r.valid_to AS valid_to, r.job_id AS job_id
