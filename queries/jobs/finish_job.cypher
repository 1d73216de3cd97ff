MATCH (j:Job {id: $id})
SET j.status = $status, j.progress = $progress, j.counts = $counts, j.errors = $errors, j.finished_at = $now, j.updated_at = $now
RETURN j AS node
