// Quality runs: one node per run of a quality command (build, lint, type check, tests...)
// with the figures it measured, linked to its project (IN_PROJECT) and, when given, to the
// session it ran in (RAN_IN). The placeholder columns of 0001 are replaced.
ALTER TABLE QualityRun DROP kind;
ALTER TABLE QualityRun DROP score;
ALTER TABLE QualityRun DROP passed;
ALTER TABLE QualityRun DROP metrics;
ALTER TABLE QualityRun DROP run_at;
ALTER TABLE QualityRun ADD command STRING;
ALTER TABLE QualityRun ADD run_at TIMESTAMP;
ALTER TABLE QualityRun ADD build_status STRING;
ALTER TABLE QualityRun ADD lint_score DOUBLE;
ALTER TABLE QualityRun ADD security_score DOUBLE;
ALTER TABLE QualityRun ADD type_score DOUBLE;
ALTER TABLE QualityRun ADD complexity DOUBLE;
ALTER TABLE QualityRun ADD tests_passed INT64;
ALTER TABLE QualityRun ADD tests_failed INT64;
ALTER TABLE QualityRun ADD coverage DOUBLE;
ALTER TABLE QualityRun ADD duration_seconds DOUBLE;
CREATE REL TABLE RAN_IN(FROM QualityRun TO Session);
