// Delete the edges entering nodes of one table (rolling back an import).
MATCH ()-[r]->(n:__LABEL__)
WHERE n.id IN $ids
DELETE r
