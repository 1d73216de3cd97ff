// Delete nodes of one table once their edges are gone (rolling back an import). The edges
// are deleted by their own statements first: after a DETACH DELETE, Kuzu 0.11.3 still
// counted some of them in MATCH ()-[r]->() RETURN count(*).
UNWIND $ids AS wanted
MATCH (n:__LABEL__ {id: wanted})
DETACH DELETE n
