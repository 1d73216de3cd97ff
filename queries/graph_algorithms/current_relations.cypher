// Current relations (accepted or proposed, not retired) between entities of a namespace.
MATCH (a:Entity)-[r:RELATED]->(b:Entity)
WHERE a.namespace = $namespace AND b.namespace = $namespace
  AND r.valid_to IS NULL AND r.status IN ['accepted', 'proposed']
RETURN a.id AS source, b.id AS target
