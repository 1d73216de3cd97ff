// The oldest project of a namespace with this exact name.
MATCH (p:Project)
WHERE p.name = $name AND p.namespace = $namespace
RETURN p AS node
ORDER BY p.id
LIMIT 1
