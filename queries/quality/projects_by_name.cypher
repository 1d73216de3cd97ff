MATCH (p:Project) WHERE p.name = $name
RETURN p.id AS id, p.name AS name, p.namespace AS namespace
ORDER BY id
