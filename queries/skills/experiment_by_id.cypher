// An experiment with its variants in order.
MATCH (e:Experiment {id: $id})-[:HAS_VARIANT]->(v:Variant)
RETURN e.id AS id, e.namespace AS namespace, e.name AS name, e.planned_samples_per_variant AS planned, e.created_at AS created_at, v.name AS variant, v.weight AS weight
ORDER BY v.position
