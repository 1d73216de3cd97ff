// A thread's messages with idx in [$low, $high), in no particular order: a page when the
// thread's idx values have no gaps (see SessionReads.message_page).
MATCH (t:Thread {id: $thread_id})-[:HAS_MESSAGE]->(m:Message)
WHERE m.idx >= $low AND m.idx < $high
RETURN {id: m.id, namespace: m.namespace, created_at: m.created_at, role: m.role, content: m.content, idx: m.idx, metadata: m.metadata} AS node
