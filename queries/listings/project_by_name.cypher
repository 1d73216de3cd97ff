// The first project created with this exact name in a namespace.
MATCH (p:Project)
WHERE p.name = $name AND p.namespace = $namespace
RETURN p AS node
ORDER BY p.id
LIMIT 1
