// Keep a message counter on each thread: the next message's idx, and a cheap messageCount.
ALTER TABLE Thread ADD message_count INT64 DEFAULT 0;
MATCH (t:Thread)-[:HAS_MESSAGE]->(m:Message) WITH t, count(m) AS n SET t.message_count = n;
