// Forget that an import created these nodes (after deleting them).
MATCH (i:ImportedNode)
WHERE i.node_id IN $ids
DELETE i
