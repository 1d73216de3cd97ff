// Where an import recorded a legacy identifier (MD5 hash, repo:commit, external id).
MATCH (k:LegacyKey {key: $key}) RETURN k.label AS label, k.node_id AS node_id
