// Delete the edges leaving nodes of one table (rolling back an import; see delete_nodes).
MATCH (n:__LABEL__)-[r]->()
WHERE n.id IN $ids
DELETE r
