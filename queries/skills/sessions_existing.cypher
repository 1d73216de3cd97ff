// Which of these ids are stored sessions of the namespace.
MATCH (x:Session)
WHERE x.id IN $ids AND x.namespace = $namespace
RETURN x.id AS id
