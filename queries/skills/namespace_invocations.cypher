// The columns the namespace-wide analyses need of its invocations in [since, until).
MATCH (i:SkillInvocation)
WHERE i.namespace = $namespace AND i.invoked_at >= $since AND i.invoked_at < $until
RETURN i.skill_id, i.invoked_at, i.completed, i.duration_ms, i.user_id, i.session_id, i.id
