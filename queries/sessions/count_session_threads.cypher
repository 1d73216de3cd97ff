MATCH (s:Session {id: $session_id})-[:HAS_THREAD]->(t:Thread) WHERE __WHERE__ RETURN count(t) AS count
