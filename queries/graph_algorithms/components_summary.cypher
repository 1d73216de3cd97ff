// Weakly connected components of a projected relation graph: how many, and the largest.
CALL weakly_connected_components('__GRAPH__')
WITH node, group_id
WHERE node.namespace = $namespace
WITH group_id, count(*) AS size
RETURN count(*) AS components, max(size) AS largest
