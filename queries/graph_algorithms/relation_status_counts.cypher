// RELATED edges of a namespace by status, current (valid_to IS NULL) or retired.
MATCH (a:Entity)-[r:RELATED]->(:Entity)
WHERE a.namespace = $namespace
RETURN r.status AS status, r.valid_to IS NULL AS current, count(*) AS relations
