MATCH (t:Thread {id: $thread_id})
CREATE (t)-[:HAS_MESSAGE]->(m:Message {id: $id, namespace: t.namespace, created_at: $now, role: $role, content: $content, idx: $idx, metadata: $metadata})
RETURN m AS node
