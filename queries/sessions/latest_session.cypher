MATCH (p:Project {id: $id})-[:LATEST_SESSION]->(s:Session)
RETURN p.id AS project_id, s AS node
