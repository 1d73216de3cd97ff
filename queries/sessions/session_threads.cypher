// A page of a session's threads in id (creation) order.
MATCH (s:Session {id: $session_id})-[:HAS_THREAD]->(t:Thread)
WHERE t.id > $after_id AND t.id < $before_id AND __WHERE__
RETURN t AS node
ORDER BY t.id
LIMIT $limit
