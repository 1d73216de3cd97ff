// Louvain communities of a projected relation graph; community -1 holds entities without
// any current relation (each its own community).
CALL louvain('__GRAPH__')
WITH node, louvain_id
WHERE node.namespace = $namespace
RETURN louvain_id AS community, collect(node.id) AS members
