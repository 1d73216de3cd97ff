// Nodes of one table by their ids (DataLoader batches).
MATCH (n:__LABEL__) WHERE n.id IN $ids RETURN n AS node
