MATCH (p:Project)-[:HAS_SESSION]->(s:Session {id: $id})
RETURN s.id AS session_id, p.id AS project_id
