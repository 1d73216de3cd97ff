// Namespaces holding projects or entities.
MATCH (p:Project) RETURN DISTINCT p.namespace AS namespace
UNION
MATCH (e:Entity) RETURN DISTINCT e.namespace AS namespace
