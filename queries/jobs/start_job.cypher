// Mark a job running (keeping its first start time when it resumes).
MATCH (j:Job {id: $id})
SET j.status = 'running', j.started_at = coalesce(j.started_at, $now), j.updated_at = $now
RETURN j AS node
