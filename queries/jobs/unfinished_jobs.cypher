// Jobs a stopped process left queued or running, oldest first.
MATCH (j:Job)
WHERE j.status = 'queued' OR j.status = 'running'
RETURN j.id AS id, j.kind AS kind
ORDER BY j.id
