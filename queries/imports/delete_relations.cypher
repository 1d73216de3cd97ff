// Delete the relations an import wrote (between entities that stay).
MATCH (:Entity)-[r:RELATED]->(:Entity)
WHERE r.job_id = $job_id
DELETE r
