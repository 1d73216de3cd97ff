// Describe a category and detach it from its parent.
MATCH (c:SkillCategory {id: $id})
SET c.description = $description
WITH c
OPTIONAL MATCH (c)-[r:SUBCATEGORY_OF]->(:SkillCategory)
DELETE r
