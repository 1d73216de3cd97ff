MATCH (r:QualityRun {id: $id}), (s:Session {id: $session_id})
CREATE (r)-[:RAN_IN]->(s)
