// Append a batch of messages to a thread in one statement: their idx values continue the
// thread's counter, which moves past them (each row carries its id and its offset in the batch).
MATCH (t:Thread {id: $thread_id})
WITH t, coalesce(t.message_count, 0) AS start
SET t.message_count = start + $count, t.updated_at = $now
WITH t, start
UNWIND $messages AS m
CREATE (t)-[:HAS_MESSAGE]->(n:Message {id: m.id, namespace: t.namespace, created_at: $now, role: m.role, content: m.content, idx: start + CAST(m.offset AS INT64), metadata: CAST(m.metadata AS STRING)})
RETURN n AS node
