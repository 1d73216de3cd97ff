// Forget that an import created these nodes (after deleting them).
UNWIND $ids AS wanted
MATCH (i:ImportedNode {node_id: wanted})
DELETE i
