// The legacy keys among $keys already recorded, with the node and the import that recorded them.
// (UNWIND with a primary-key match: `k.key IN $keys` compared every key with the whole list.)
UNWIND $keys AS wanted
MATCH (k:LegacyKey {key: wanted})
RETURN k.key AS key, k.label AS label, k.node_id AS node_id, k.job_id AS job_id
