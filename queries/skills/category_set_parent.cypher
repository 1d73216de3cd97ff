// Put a category under a parent.
MATCH (c:SkillCategory {id: $id}), (p:SkillCategory {id: $parent_id})
CREATE (c)-[:SUBCATEGORY_OF]->(p)
