// Outcomes per variant of an experiment.
MATCH (e:Experiment {id: $experiment_id})-[:HAS_VARIANT]->(v:Variant)<-[:ASSIGNED]-(a:Assignment)
RETURN v.name AS variant, a.success AS success, count(*) AS n
