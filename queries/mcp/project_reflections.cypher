// A project's reflections that matter most: by importance, then newest first.
MATCH (r:Reflection)-[:IN_PROJECT]->(p:Project {id: $project_id})
RETURN r AS node
ORDER BY r.importance DESC, r.created_at DESC, r.id DESC
LIMIT $limit
