// A new modality.
CREATE (:Modality {id: $id, namespace: 'default', created_at: $now, name: $name, input_type: $input_type, output_type: $output_type})
