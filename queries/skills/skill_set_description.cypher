// Describe a skill.
MATCH (s:Skill {id: $id})
SET s.description = $description
