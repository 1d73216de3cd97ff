// A batch of invocations, each linked to its skill: one statement, so one plan for the batch.
UNWIND $rows AS r
MATCH (s:Skill {id: r.skill_id})
CREATE (i:SkillInvocation {id: r.id, namespace: $namespace, created_at: $now, user_id: r.user_id, invoked_at: r.invoked_at, completed: r.completed, duration_ms: CAST(r.duration_ms AS DOUBLE), error_type: r.error_type, user_query: r.user_query, skill_id: r.skill_id, skill: r.skill, session_id: r.session_id, workflow_phase: r.workflow_phase, alternatives: CAST(r.alternatives AS STRING[]), selection_rank: CAST(r.selection_rank AS INT64)})-[:INVOKED]->(s)
