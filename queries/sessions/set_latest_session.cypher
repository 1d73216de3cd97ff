// Move the project's latest-session pointer (one LATEST_SESSION edge per project).
MATCH (p:Project {id: $project_id}), (s:Session {id: $session_id})
OPTIONAL MATCH (p)-[old:LATEST_SESSION]->(:Session)
DELETE old
CREATE (p)-[:LATEST_SESSION {at: $now}]->(s)
