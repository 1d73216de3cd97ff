// A thread with its session and project, for checkpoints.
MATCH (p:Project)-[:HAS_SESSION]->(s:Session)-[:HAS_THREAD]->(t:Thread {id: $thread_id})
RETURN t.id AS thread_id, t.name AS name, s.id AS session_id, p.id AS project_id
