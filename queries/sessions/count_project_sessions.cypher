MATCH (p:Project {id: $project_id})-[:HAS_SESSION]->(s:Session) WHERE __WHERE__ RETURN count(s) AS count
