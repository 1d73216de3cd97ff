MATCH (:Entity)-[r:RELATED]->(:Entity)
WHERE r.job_id = $job_id AND r.status = $status AND r.valid_to IS NULL
RETURN count(r) AS count
