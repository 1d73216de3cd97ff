// Skills analytics: reshape the placeholder skill tables of 0001 into the skills model.
// Invocations of a skill: the placeholder Invocation table renamed, with the issue's fields.
ALTER TABLE Invocation RENAME TO SkillInvocation;
ALTER TABLE SkillInvocation RENAME success TO completed;
ALTER TABLE SkillInvocation RENAME error TO error_type;
ALTER TABLE SkillInvocation RENAME context TO user_query;
ALTER TABLE SkillInvocation ADD skill_id STRING;
ALTER TABLE SkillInvocation ADD skill STRING;
ALTER TABLE SkillInvocation ADD session_id STRING;
ALTER TABLE SkillInvocation ADD workflow_phase STRING;
ALTER TABLE SkillInvocation ADD alternatives STRING[];
ALTER TABLE SkillInvocation ADD selection_rank INT64;
// Taxonomy: categories form a hierarchy; a modality is an input type turned into an output type.
ALTER TABLE SkillCategory ADD description STRING;
CREATE REL TABLE SUBCATEGORY_OF(FROM SkillCategory TO SkillCategory);
ALTER TABLE Modality ADD input_type STRING;
ALTER TABLE Modality ADD output_type STRING;
// Co-use of skills within sessions (the placeholder DEPENDS_ON, renamed and completed).
ALTER TABLE DEPENDS_ON RENAME TO CO_USED;
ALTER TABLE CO_USED RENAME co_occurrence TO sessions;
ALTER TABLE CO_USED ADD support DOUBLE;
ALTER TABLE CO_USED ADD confidence DOUBLE;
ALTER TABLE CO_USED ADD computed_at TIMESTAMP;
// Detected anomalies, linked to their skill.
CREATE NODE TABLE SkillAnomaly(id STRING, namespace STRING, created_at TIMESTAMP, skill_id STRING, skill STRING, metric STRING, kind STRING, baseline DOUBLE, recent DOUBLE, z_score DOUBLE, p_value DOUBLE, explanation STRING, detected_at TIMESTAMP, PRIMARY KEY(id));
CREATE REL TABLE ANOMALY_OF(FROM SkillAnomaly TO Skill);
// Experiments: weighted variants, a planned sample size, one assignment and outcome per unit.
ALTER TABLE Experiment ADD planned_samples_per_variant INT64;
ALTER TABLE Variant ADD weight DOUBLE;
ALTER TABLE Variant ADD position INT64;
ALTER TABLE Assignment RENAME user_id TO unit_id;
ALTER TABLE Assignment ADD experiment_id STRING;
ALTER TABLE Assignment ADD variant STRING;
ALTER TABLE Assignment ADD success BOOLEAN;
// The default taxonomy (editable like any other data).
CREATE (:SkillCategory {id: '01KDVDNA00WR9V7SPFV9690M0D', namespace: 'default', created_at: timestamp('2026-01-01 00:00:00'), name: 'code quality', description: 'Reviewing and improving code'});
CREATE (:SkillCategory {id: '01KDVDNA00HDB98HCBF1S3260D', namespace: 'default', created_at: timestamp('2026-01-01 00:00:00'), name: 'testing', description: 'Writing and running tests'});
CREATE (:SkillCategory {id: '01KDVDNA00MAP6S1Q4EFW2YM0D', namespace: 'default', created_at: timestamp('2026-01-01 00:00:00'), name: 'documentation', description: 'Writing and building documentation'});
CREATE (:SkillCategory {id: '01KDVDNA00EVW4AFTYV2RVE30D', namespace: 'default', created_at: timestamp('2026-01-01 00:00:00'), name: 'build & deploy', description: 'Building, packaging and deploying'});
CREATE (:SkillCategory {id: '01KDVDNA00JYFWCE029A04BG0D', namespace: 'default', created_at: timestamp('2026-01-01 00:00:00'), name: 'version control', description: 'Commits, branches and reviews'});
CREATE (:SkillCategory {id: '01KDVDNA00CBCCW7PJQP48M30D', namespace: 'default', created_at: timestamp('2026-01-01 00:00:00'), name: 'linting & formatting', description: 'Linters and formatters'});
MATCH (child:SkillCategory {id: '01KDVDNA00CBCCW7PJQP48M30D'}), (parent:SkillCategory {id: '01KDVDNA00WR9V7SPFV9690M0D'}) CREATE (child)-[:SUBCATEGORY_OF]->(parent);
CREATE (:Modality {id: '01KDVDNA004WM3GC5F1MYJ3R0E', namespace: 'default', created_at: timestamp('2026-01-01 00:00:00'), name: 'code -> diagnostics', input_type: 'code', output_type: 'diagnostics'});
CREATE (:Modality {id: '01KDVDNA00G8JBGZQJEDXE3S0E', namespace: 'default', created_at: timestamp('2026-01-01 00:00:00'), name: 'code -> code', input_type: 'code', output_type: 'code'});
CREATE (:Modality {id: '01KDVDNA0011S0N1FM5KQZ1A0E', namespace: 'default', created_at: timestamp('2026-01-01 00:00:00'), name: 'code -> tests', input_type: 'code', output_type: 'tests'});
CREATE (:Modality {id: '01KDVDNA00VYFP35CX0V1SZ80E', namespace: 'default', created_at: timestamp('2026-01-01 00:00:00'), name: 'tests -> test results', input_type: 'tests', output_type: 'test results'});
CREATE (:Modality {id: '01KDVDNA004NGFV21SMQZATW0E', namespace: 'default', created_at: timestamp('2026-01-01 00:00:00'), name: 'docs -> HTML', input_type: 'docs', output_type: 'HTML'});
CREATE (:Modality {id: '01KDVDNA00QY8WSFPRJ37DJ90E', namespace: 'default', created_at: timestamp('2026-01-01 00:00:00'), name: 'build -> image', input_type: 'build', output_type: 'image'});
CREATE (:Modality {id: '01KDVDNA00RC9JZVP4V32M890E', namespace: 'default', created_at: timestamp('2026-01-01 00:00:00'), name: 'changes -> commit', input_type: 'changes', output_type: 'commit'});
