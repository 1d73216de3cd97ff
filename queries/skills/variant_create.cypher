// A variant of an experiment.
MATCH (e:Experiment {id: $experiment_id})
CREATE (e)-[:HAS_VARIANT]->(:Variant {id: $id, namespace: $namespace, created_at: $now, name: $name, weight: $weight, position: $position})
