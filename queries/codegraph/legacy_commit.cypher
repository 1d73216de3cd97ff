// The commit (and its repository) an imported legacy code graph row became, if imported.
MATCH (k:LegacyKey {key: $key, label: 'Commit'})
OPTIONAL MATCH (r:Repository)-[:HAS_COMMIT]->(c:Commit {id: k.node_id})
RETURN k.node_id AS commit_id, r.id AS repository_id
