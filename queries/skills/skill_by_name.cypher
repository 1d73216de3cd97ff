// A skill of a namespace by its exact name.
MATCH (s:Skill)
WHERE s.namespace = $namespace AND s.name = $name
RETURN s.id AS id
