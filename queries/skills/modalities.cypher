// Every modality (input type to output type).
MATCH (m:Modality)
RETURN m.id AS id, m.input_type AS input_type, m.output_type AS output_type
ORDER BY m.input_type, m.output_type
