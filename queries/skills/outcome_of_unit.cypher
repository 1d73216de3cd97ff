// A unit's recorded outcome in an experiment.
MATCH (a:Assignment)
WHERE a.experiment_id = $experiment_id AND a.unit_id = $unit_id
RETURN a.id AS id
