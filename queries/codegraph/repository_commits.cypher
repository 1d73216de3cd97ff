// A repository's indexed commits, latest first.
MATCH (r:Repository {id: $repository_id})-[:HAS_COMMIT]->(c:Commit)
RETURN c.id AS id, c.sha AS sha, c.ref AS ref, c.message AS message, c.authored_at AS authored_at, c.indexed_at AS indexed_at, c.file_count AS file_count
ORDER BY c.indexed_at DESC, c.id DESC
