// The modalities of a namespace's skills.
MATCH (s:Skill)-[:HAS_MODALITY]->(m:Modality)
WHERE s.namespace = $namespace
RETURN s.id AS id, m.input_type AS input_type, m.output_type AS output_type
