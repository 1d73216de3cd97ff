MATCH (p:Project) WHERE p.id IN $ids
RETURN p.id AS id, p.name AS name, p.namespace AS namespace
