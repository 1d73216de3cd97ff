MATCH (p:Project)-[:HAS_SESSION]->(s:Session) WHERE s.id IN $ids
RETURN s.id AS session_id, p.id AS project_id
