MATCH (n:Reflection)-[:IN_PROJECT]->(p:Project {id: $project_id}) WHERE __WHERE__
  AND all(t IN CAST($tags AS STRING[]) WHERE coalesce(list_contains(n.tags, t), false))
RETURN count(n) AS count
