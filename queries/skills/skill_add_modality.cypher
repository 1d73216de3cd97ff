// Give a skill a modality.
MATCH (s:Skill {id: $id}), (m:Modality {id: $modality_id})
CREATE (s)-[:HAS_MODALITY]->(m)
