MATCH (p:Project {id: $project_id})-[:HAS_SESSION]->(s:Session)
WHERE s.id > $after_id AND s.id < $before_id AND __WHERE__
RETURN s AS node
ORDER BY s.id
LIMIT $limit
