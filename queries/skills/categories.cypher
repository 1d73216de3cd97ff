// Every skill category with its parent's name.
MATCH (c:SkillCategory)
OPTIONAL MATCH (c)-[:SUBCATEGORY_OF]->(p:SkillCategory)
RETURN c.id AS id, c.name AS name, c.description AS description, p.name AS parent
ORDER BY c.name
