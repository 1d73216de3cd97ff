// The commit an imported legacy code graph row became, if it was imported.
MATCH (k:LegacyKey {key: $key, label: 'Commit'})
RETURN k.node_id AS commit_id
