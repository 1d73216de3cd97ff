// A new skill category.
CREATE (:SkillCategory {id: $id, namespace: 'default', created_at: $now, name: $name, description: $description})
