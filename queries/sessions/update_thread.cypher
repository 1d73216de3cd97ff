MATCH (t:Thread {id: $id})
SET t.name = coalesce($name, t.name), t.status = coalesce($status, t.status), t.updated_at = $now
RETURN t AS node
