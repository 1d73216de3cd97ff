// An indexed commit of a repository; its files follow as CONTAINS edges.
MATCH (r:Repository {id: $repository_id})
CREATE (r)-[:HAS_COMMIT]->(c:Commit {id: $id, namespace: r.namespace, created_at: $now, legacy_id: $legacy_id, sha: $sha, ref: $ref, message: $message, authored_at: $authored_at, indexed_at: $now, file_count: $file_count})
RETURN c.id AS id
