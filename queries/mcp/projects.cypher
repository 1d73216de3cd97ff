// Projects, newest first.
MATCH (p:Project)
RETURN p AS node
ORDER BY p.id DESC
LIMIT $limit
