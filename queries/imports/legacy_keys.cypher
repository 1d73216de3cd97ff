// The legacy keys among $keys already recorded, with the node and the import that recorded them.
MATCH (k:LegacyKey)
WHERE k.key IN $keys
RETURN k.key AS key, k.label AS label, k.node_id AS node_id, k.job_id AS job_id
