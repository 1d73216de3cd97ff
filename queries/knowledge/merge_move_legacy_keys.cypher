// Point the legacy ids of a merged-away entity at the kept one.
MATCH (k:LegacyKey)
WHERE k.node_id = $drop_id
SET k.node_id = $keep_id
