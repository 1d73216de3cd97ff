// Propose that two entities are the same (a same_as edge with status proposed).
MATCH (a:Entity {id: $from_id}), (b:Entity {id: $to_id})
CREATE (a)-[r:RELATED {id: $id, type: 'same_as', confidence: $score, score: $score, method: $method, evidence: $evidence, status: 'proposed', valid_from: $now}]->(b)
RETURN r.id AS id
