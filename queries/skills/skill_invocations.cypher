// The columns metrics need of one skill's invocations in [since, until), found by its name.
MATCH (s:Skill)<-[:INVOKED]-(i:SkillInvocation)
WHERE s.namespace = $namespace AND s.name = $name AND i.invoked_at >= $since AND i.invoked_at < $until
RETURN i.invoked_at, i.completed, i.duration_ms, i.user_id, i.workflow_phase
