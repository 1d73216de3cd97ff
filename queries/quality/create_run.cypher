MATCH (p:Project {id: $project_id})
CREATE (r:QualityRun {id: $id, namespace: p.namespace, created_at: $now, command: $command, run_at: $run_at, build_status: $build_status, lint_score: $lint_score, security_score: $security_score, type_score: $type_score, complexity: $complexity, tests_passed: $tests_passed, tests_failed: $tests_failed, coverage: $coverage, duration_seconds: $duration_seconds})-[:IN_PROJECT]->(p)
RETURN r.id AS id
