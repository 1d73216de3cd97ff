// A new experiment.
CREATE (:Experiment {id: $id, namespace: $namespace, created_at: $now, name: $name, status: 'running', started_at: $now, planned_samples_per_variant: $planned})
