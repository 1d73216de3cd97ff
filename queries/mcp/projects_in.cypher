// Projects of the given namespaces, newest first.
MATCH (p:Project)
WHERE p.namespace IN $namespaces
RETURN p AS node
ORDER BY p.id DESC
LIMIT $limit
