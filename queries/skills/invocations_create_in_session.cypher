// A batch of invocations with stored sessions, linked to their skill and session. Each
// distinct session is matched once (joined to its rows by id), which costs about a third
// of matching a session for every row.
UNWIND $session_ids AS sid
MATCH (x:Session {id: sid})
WITH x, sid
UNWIND $rows AS r
WITH x, sid, r
WHERE r.session_id = sid
MATCH (s:Skill {id: r.skill_id})
CREATE (x)<-[:DURING]-(i:SkillInvocation {id: r.id, namespace: $namespace, created_at: $now, user_id: r.user_id, invoked_at: r.invoked_at, completed: r.completed, duration_ms: CAST(r.duration_ms AS DOUBLE), error_type: r.error_type, user_query: r.user_query, skill_id: r.skill_id, skill: r.skill, session_id: r.session_id, workflow_phase: r.workflow_phase, alternatives: CAST(r.alternatives AS STRING[]), selection_rank: CAST(r.selection_rank AS INT64)})-[:INVOKED]->(s)
