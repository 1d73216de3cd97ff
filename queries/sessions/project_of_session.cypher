MATCH (p:Project)-[:HAS_SESSION]->(s:Session {id: $id})
OPTIONAL MATCH (p)-[:LATEST_SESSION]->(latest:Session)
RETURN p.id AS project_id, latest AS latest
