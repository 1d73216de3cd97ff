// Every skill of a namespace with its category.
MATCH (s:Skill)
WHERE s.namespace = $namespace
OPTIONAL MATCH (s)-[:IN_CATEGORY]->(c:SkillCategory)
RETURN s.id AS id, s.name AS name, s.description AS description, s.created_at AS created_at, c.name AS category
ORDER BY s.id
