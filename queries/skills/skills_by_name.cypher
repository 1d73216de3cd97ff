// The skills of a namespace with these names.
MATCH (s:Skill)
WHERE s.namespace = $namespace AND s.name IN $names
RETURN s.name AS name, s.id AS id
