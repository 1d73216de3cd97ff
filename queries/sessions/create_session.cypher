MATCH (p:Project {id: $project_id})
CREATE (p)-[:HAS_SESSION]->(s:Session {id: $id, namespace: p.namespace, created_at: $now, started_at: $now, external_id: $external_id, legacy_id: $external_id, status: 'active', agent: $agent, metadata: $metadata})
CREATE (:LegacyKey {key: $external_id, label: 'Session', node_id: $id})
RETURN s AS node
