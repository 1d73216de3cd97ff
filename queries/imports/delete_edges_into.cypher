// Delete the edges entering nodes of one table (rolling back an import).
UNWIND $ids AS wanted
MATCH ()-[r]->(n:__LABEL__ {id: wanted})
DELETE r
