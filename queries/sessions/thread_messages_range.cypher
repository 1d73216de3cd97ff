// A thread's messages with idx in [$low, $high), in no particular order: a page when the
// thread's idx values have no gaps (see SessionReads.message_page).
MATCH (t:Thread {id: $thread_id})-[:HAS_MESSAGE]->(m:Message)
WHERE m.idx >= $low AND m.idx < $high
RETURN m.id AS id, m.namespace AS namespace, m.created_at AS created_at, m.role AS role, m.content AS content, m.idx AS idx, m.metadata AS metadata
