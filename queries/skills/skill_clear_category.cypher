// Take a skill out of its category.
MATCH (s:Skill {id: $id})-[r:IN_CATEGORY]->(:SkillCategory)
DELETE r
