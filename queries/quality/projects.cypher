MATCH (p:Project) WHERE p.id IN $ids
RETURN p.id AS id, p.namespace AS namespace
