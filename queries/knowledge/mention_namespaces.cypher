// Every namespace that has entities.
MATCH (e:Entity)
RETURN DISTINCT e.namespace AS namespace
ORDER BY namespace
