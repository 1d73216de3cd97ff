MATCH (r:QualityRun)-[:IN_PROJECT]->(p:Project)
WHERE r.run_at >= $since
RETURN p.id AS id, p.name AS name, p.namespace AS namespace, count(r) AS runs
ORDER BY name, id
