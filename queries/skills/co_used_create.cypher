// Co-use edges between skills.
UNWIND $rows AS r
MATCH (a:Skill {id: r.source}), (b:Skill {id: r.target})
CREATE (a)-[:CO_USED {sessions: r.sessions, lift: r.lift, support: r.support, confidence: r.confidence, computed_at: $now}]->(b)
