// Every CONTINUED_AS link between the project's sessions, oldest first.
MATCH (p:Project {id: $project_id})-[:HAS_SESSION]->(a:Session)-[c:CONTINUED_AS]->(b:Session)
RETURN a.id AS previous_id, b.id AS next_id, c.source AS source, c.at AS at
ORDER BY c.at, b.id
