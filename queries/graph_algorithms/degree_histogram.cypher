// How many entities of a namespace have each degree (current relations, either direction).
MATCH (e:Entity)
WHERE e.namespace = $namespace
WITH e, COUNT { MATCH (e)-[r:RELATED]-(:Entity) WHERE r.valid_to IS NULL AND r.status IN ['accepted', 'proposed'] } AS degree
RETURN degree, count(*) AS entities
