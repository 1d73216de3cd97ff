MATCH (a:Entity {id: $from_id})
MATCH (b:Entity {id: $to_id})
CREATE (a)-[:RELATED {type: $type, confidence: $confidence, status: 'accepted'}]->(b)
