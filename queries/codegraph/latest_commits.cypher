// The indexed commits of a namespace's repositories (the caller keeps each one's latest).
MATCH (r:Repository)-[:HAS_COMMIT]->(c:Commit)
WHERE r.namespace = $namespace
RETURN r.id AS repository_id, c.id AS commit_id, c.indexed_at AS indexed_at
