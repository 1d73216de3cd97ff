// Put a skill into a category.
MATCH (s:Skill {id: $id}), (c:SkillCategory {id: $category_id})
CREATE (s)-[:IN_CATEGORY]->(c)
