// Delete nodes of one table, with their edges (rolling back an import).
MATCH (n:__LABEL__)
WHERE n.id IN $ids
DETACH DELETE n
