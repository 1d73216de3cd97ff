// A page of a thread's messages in reverse idx order (for last/before).
MATCH (t:Thread {id: $thread_id})-[:HAS_MESSAGE]->(m:Message)
WHERE m.idx > $after_idx AND m.idx < $before_idx
RETURN {id: m.id, namespace: m.namespace, created_at: m.created_at, role: m.role, content: m.content, idx: m.idx, metadata: m.metadata} AS node
ORDER BY m.idx DESC
LIMIT $limit
