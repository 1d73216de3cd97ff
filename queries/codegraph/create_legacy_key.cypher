// Remember the legacy id of an imported code graph (a `{repo_path}:{commit_hash}` row).
CREATE (:LegacyKey {key: $key, label: 'Commit', node_id: $node_id})
