// Runs per user, skill and outcome of a namespace in [since, until) (invocations with a user).
MATCH (i:SkillInvocation)
WHERE i.namespace = $namespace AND i.invoked_at >= $since AND i.invoked_at < $until AND i.user_id IS NOT NULL
RETURN i.user_id AS user_id, i.skill AS skill, i.completed AS completed, count(*) AS runs
