MATCH (r:QualityRun)-[:IN_PROJECT]->(p:Project {id: $project_id})
WHERE r.run_at >= $since
RETURN r.id, r.command, r.run_at, r.build_status, r.lint_score, r.security_score, r.type_score, r.complexity, r.tests_passed, r.tests_failed, r.coverage, r.duration_seconds
ORDER BY r.run_at, r.id
