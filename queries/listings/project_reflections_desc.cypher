// A project's reflections, oldest first between the id bounds (backward pages), filtered.
MATCH (n:Reflection)-[:IN_PROJECT]->(p:Project {id: $project_id})
WHERE n.id > $after_id AND n.id < $before_id AND __WHERE__
  AND all(t IN CAST($tags AS STRING[]) WHERE coalesce(list_contains(n.tags, t), false))
RETURN n AS node
ORDER BY n.id
LIMIT $limit
