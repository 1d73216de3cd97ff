// A repository's indexed commit with this SHA (or content hash).
MATCH (r:Repository {id: $repository_id})-[:HAS_COMMIT]->(c:Commit)
WHERE c.sha = $sha
RETURN c.id AS id, c.file_count AS file_count
