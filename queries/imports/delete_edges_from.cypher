// Delete the edges leaving nodes of one table (rolling back an import; see delete_nodes).
UNWIND $ids AS wanted
MATCH (n:__LABEL__ {id: wanted})-[r]->()
DELETE r
