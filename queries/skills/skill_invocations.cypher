// The columns metrics need of one skill's invocations in [since, until).
MATCH (s:Skill {id: $skill_id})<-[:INVOKED]-(i:SkillInvocation)
WHERE i.invoked_at >= $since AND i.invoked_at < $until
RETURN i.invoked_at, i.completed, i.duration_ms, i.user_id, i.workflow_phase
