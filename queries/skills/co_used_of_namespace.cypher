// A namespace's stored co-use edges at or above the bounds, by lift.
MATCH (a:Skill)-[r:CO_USED]->(b:Skill)
WHERE a.namespace = $namespace AND r.support >= $min_support AND r.lift >= $min_lift
RETURN a.name AS source, b.name AS target, r.support AS support, r.confidence AS confidence, r.lift AS lift, r.sessions AS sessions
ORDER BY r.lift DESC, r.support DESC, a.name, b.name
