// One proposed relation of a discovery job.
MATCH (a:Entity {id: $from_id}), (b:Entity {id: $to_id})
CREATE (a)-[:RELATED {id: $id, type: $type, confidence: $confidence, score: $score, method: $method, evidence: $evidence, status: 'proposed', valid_from: $now, job_id: $job_id}]->(b)
