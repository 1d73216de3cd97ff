// Store a detected anomaly, linked to its skill.
MATCH (s:Skill)
WHERE s.namespace = $namespace AND s.name = $skill
CREATE (a:SkillAnomaly {id: $id, namespace: $namespace, created_at: $now, skill_id: s.id, skill: $skill, metric: $metric, kind: $kind, baseline: $baseline, recent: $recent, z_score: $z_score, p_value: $p_value, explanation: $explanation, detected_at: $detected_at})-[:ANOMALY_OF]->(s)
