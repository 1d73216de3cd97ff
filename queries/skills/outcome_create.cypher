// A unit's outcome under its variant.
MATCH (e:Experiment {id: $experiment_id})-[:HAS_VARIANT]->(v:Variant {name: $variant})
CREATE (:Assignment {id: $id, namespace: $namespace, created_at: $now, unit_id: $unit_id, assigned_at: $now, experiment_id: $experiment_id, variant: $variant, success: $success})-[:ASSIGNED]->(v)
