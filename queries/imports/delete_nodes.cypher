// Delete nodes of one table once their edges are gone (rolling back an import). The edges
// are deleted by their own statements first: after a DETACH DELETE, Kuzu 0.11 still counted
// some of them in MATCH ()-[r]->() RETURN count(*).
MATCH (n:__LABEL__)
WHERE n.id IN $ids
DETACH DELETE n
