// Initial graph model: every node has id (a ULID), namespace, created_at and legacy_id.

// Sessions and messages
CREATE NODE TABLE Project(id STRING, namespace STRING, created_at TIMESTAMP, legacy_id STRING, name STRING, path STRING, description STRING, updated_at TIMESTAMP, PRIMARY KEY(id));
CREATE NODE TABLE Session(id STRING, namespace STRING, created_at TIMESTAMP, legacy_id STRING, external_id STRING, status STRING, agent STRING, started_at TIMESTAMP, ended_at TIMESTAMP, metadata STRING, PRIMARY KEY(id));
CREATE NODE TABLE Thread(id STRING, namespace STRING, created_at TIMESTAMP, legacy_id STRING, name STRING, status STRING, updated_at TIMESTAMP, PRIMARY KEY(id));
CREATE NODE TABLE Message(id STRING, namespace STRING, created_at TIMESTAMP, legacy_id STRING, role STRING, content STRING, idx INT64, metadata STRING, PRIMARY KEY(id));

// Memory
CREATE NODE TABLE Conversation(id STRING, namespace STRING, created_at TIMESTAMP, legacy_id STRING, content STRING, metadata STRING, PRIMARY KEY(id));
CREATE NODE TABLE Reflection(id STRING, namespace STRING, created_at TIMESTAMP, legacy_id STRING, content STRING, tags STRING[], importance DOUBLE, PRIMARY KEY(id));

// Knowledge
CREATE NODE TABLE Entity(id STRING, namespace STRING, created_at TIMESTAMP, legacy_id STRING, name STRING, name_key STRING, kind STRING, observations STRING[], aliases STRING[], properties STRING, updated_at TIMESTAMP, PRIMARY KEY(id));

// Code graph
CREATE NODE TABLE Repository(id STRING, namespace STRING, created_at TIMESTAMP, legacy_id STRING, name STRING, url STRING, path STRING, PRIMARY KEY(id));
CREATE NODE TABLE Commit(id STRING, namespace STRING, created_at TIMESTAMP, legacy_id STRING, sha STRING, ref STRING, message STRING, authored_at TIMESTAMP, PRIMARY KEY(id));
CREATE NODE TABLE CodeFile(id STRING, namespace STRING, created_at TIMESTAMP, legacy_id STRING, path STRING, module STRING, language STRING, sha STRING, PRIMARY KEY(id));
CREATE NODE TABLE Symbol(id STRING, namespace STRING, created_at TIMESTAMP, legacy_id STRING, name STRING, qualname STRING, kind STRING, lineno INT64, PRIMARY KEY(id));

// Skills and experiments
CREATE NODE TABLE Skill(id STRING, namespace STRING, created_at TIMESTAMP, legacy_id STRING, name STRING, description STRING, PRIMARY KEY(id));
CREATE NODE TABLE SkillCategory(id STRING, namespace STRING, created_at TIMESTAMP, legacy_id STRING, name STRING, PRIMARY KEY(id));
CREATE NODE TABLE Modality(id STRING, namespace STRING, created_at TIMESTAMP, legacy_id STRING, name STRING, PRIMARY KEY(id));
CREATE NODE TABLE Invocation(id STRING, namespace STRING, created_at TIMESTAMP, legacy_id STRING, user_id STRING, invoked_at TIMESTAMP, success BOOLEAN, duration_ms DOUBLE, error STRING, context STRING, PRIMARY KEY(id));
CREATE NODE TABLE Experiment(id STRING, namespace STRING, created_at TIMESTAMP, legacy_id STRING, name STRING, description STRING, status STRING, started_at TIMESTAMP, ended_at TIMESTAMP, PRIMARY KEY(id));
CREATE NODE TABLE Variant(id STRING, namespace STRING, created_at TIMESTAMP, legacy_id STRING, name STRING, config STRING, PRIMARY KEY(id));
CREATE NODE TABLE Assignment(id STRING, namespace STRING, created_at TIMESTAMP, legacy_id STRING, user_id STRING, assigned_at TIMESTAMP, PRIMARY KEY(id));

// Quality and jobs
CREATE NODE TABLE QualityRun(id STRING, namespace STRING, created_at TIMESTAMP, legacy_id STRING, kind STRING, score DOUBLE, passed BOOLEAN, metrics STRING, run_at TIMESTAMP, PRIMARY KEY(id));
CREATE NODE TABLE Job(id STRING, namespace STRING, created_at TIMESTAMP, legacy_id STRING, kind STRING, status STRING, parameters STRING, progress DOUBLE, counts STRING, errors STRING[], checkpoint STRING, started_at TIMESTAMP, finished_at TIMESTAMP, updated_at TIMESTAMP, PRIMARY KEY(id));

// Index of legacy identifiers (MD5 hashes, repo:commit composites, external session ids).
CREATE NODE TABLE LegacyKey(key STRING, label STRING, node_id STRING, PRIMARY KEY(key));

// Relationships
CREATE REL TABLE HAS_SESSION(FROM Project TO Session);
CREATE REL TABLE LATEST_SESSION(FROM Project TO Session, at TIMESTAMP);
CREATE REL TABLE CONTINUED_AS(FROM Session TO Session, source STRING, at TIMESTAMP);
CREATE REL TABLE HAS_THREAD(FROM Session TO Thread);
CREATE REL TABLE HAS_MESSAGE(FROM Thread TO Message);
CREATE REL TABLE IN_PROJECT(FROM Conversation TO Project, FROM Reflection TO Project, FROM QualityRun TO Project, FROM Repository TO Project);
CREATE REL TABLE IN_SESSION(FROM Conversation TO Session);
CREATE REL TABLE CHECKPOINT_OF(FROM Conversation TO Thread);
CREATE REL TABLE RELATED(FROM Entity TO Entity, type STRING, confidence DOUBLE, score DOUBLE, method STRING, evidence STRING, status STRING, valid_from TIMESTAMP, valid_to TIMESTAMP, job_id STRING, id STRING);
CREATE REL TABLE MENTIONS(FROM Message TO Entity, FROM Conversation TO Entity, FROM Reflection TO Entity);
CREATE REL TABLE HAS_COMMIT(FROM Repository TO Commit);
CREATE REL TABLE CONTAINS(FROM Commit TO CodeFile);
CREATE REL TABLE IMPORTS(FROM CodeFile TO CodeFile);
CREATE REL TABLE DEFINES(FROM CodeFile TO Symbol);
CREATE REL TABLE CALLS(FROM Symbol TO Symbol);
CREATE REL TABLE TOUCHED(FROM Session TO Commit);
CREATE REL TABLE IN_CATEGORY(FROM Skill TO SkillCategory);
CREATE REL TABLE HAS_MODALITY(FROM Skill TO Modality);
CREATE REL TABLE INVOKED(FROM Invocation TO Skill);
CREATE REL TABLE DURING(FROM Invocation TO Session);
CREATE REL TABLE DEPENDS_ON(FROM Skill TO Skill, co_occurrence INT64, lift DOUBLE);
CREATE REL TABLE HAS_VARIANT(FROM Experiment TO Variant);
CREATE REL TABLE ASSIGNED(FROM Assignment TO Variant);
CREATE REL TABLE VARIANT_OF(FROM Variant TO Skill);
