MATCH (k:LegacyKey {key: $external_id, label: 'Session'})
MATCH (s:Session {id: k.node_id})<-[:HAS_SESSION]-(p:Project)
RETURN s AS node, p.id AS project_id
