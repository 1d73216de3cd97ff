MATCH (s:Session {id: $session_id})
CREATE (s)-[:HAS_THREAD]->(t:Thread {id: $id, namespace: s.namespace, created_at: $now, updated_at: $now, name: $name, status: 'active', message_count: 0})
RETURN t AS node
