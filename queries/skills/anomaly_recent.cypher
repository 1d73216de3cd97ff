// A stored anomaly of this skill and kind detected after a time.
MATCH (a:SkillAnomaly)-[:ANOMALY_OF]->(s:Skill)
WHERE s.namespace = $namespace AND s.name = $skill AND a.kind = $kind AND a.detected_at > $after
RETURN a.id AS id
ORDER BY a.detected_at DESC
LIMIT 1
