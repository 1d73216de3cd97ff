// Ids and creation times of a project's conversations and reflections (all projects if '').
// Not NULL: ladybug types a NULL parameter as BOOL and then fails to compare ids with it.
MATCH (n)-[:IN_PROJECT]->(p:Project)
WHERE (label(n) = 'Conversation' OR label(n) = 'Reflection')
  AND ($project_id = '' OR p.id = $project_id)
RETURN n.id AS id, label(n) AS kind, p.id AS project_id, p.name AS project_name, n.created_at AS created_at
