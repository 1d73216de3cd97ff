// Every entity of a namespace, whole (cheaper than lookups by id when most are wanted).
MATCH (e:Entity)
WHERE e.namespace = $namespace
RETURN e AS node
