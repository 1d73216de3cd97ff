MATCH (p:Project {id: $project_id})-[:HAS_SESSION]->(s:Session {id: $session_id}) RETURN s.id AS id
