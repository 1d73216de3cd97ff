// The namespace's repositories with the name of the project each is in (null when none).
MATCH (r:Repository) WHERE r.namespace = $namespace
OPTIONAL MATCH (r)-[:IN_PROJECT]->(p:Project)
RETURN r.id AS id, r.name AS name, p.name AS project
ORDER BY r.id
