// Recreate a RELATED edge between new ends, keeping every property (its id too).
MATCH (a:Entity {id: $from_id}), (b:Entity {id: $to_id})
CREATE (a)-[:RELATED {id: $id, type: $type, confidence: $confidence, score: $score, method: $method, evidence: $evidence, status: $status, valid_from: $valid_from, valid_to: $valid_to, job_id: $job_id}]->(b)
