// Record a running job's progress, counts and checkpoint.
MATCH (j:Job {id: $id})
SET j.progress = $progress, j.counts = $counts, j.checkpoint = $checkpoint, j.updated_at = $now
RETURN j AS node
