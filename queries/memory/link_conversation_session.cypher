MATCH (c:Conversation {id: $id}), (s:Session {id: $session_id})
CREATE (c)-[:IN_SESSION]->(s)
RETURN s.id AS session_id
