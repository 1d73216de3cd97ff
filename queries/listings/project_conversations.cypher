// A project's conversations, newest first (descending id) between the id bounds, filtered.
MATCH (n:Conversation)-[:IN_PROJECT]->(p:Project {id: $project_id})
WHERE n.id > $after_id AND n.id < $before_id AND __WHERE__
RETURN n AS node
ORDER BY n.id DESC
LIMIT $limit
