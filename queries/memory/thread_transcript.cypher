MATCH (t:Thread {id: $thread_id})-[:HAS_MESSAGE]->(m:Message)
RETURN m.role AS role, m.content AS content
ORDER BY m.idx
