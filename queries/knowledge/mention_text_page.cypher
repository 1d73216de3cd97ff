// A batch of a namespace's texts of one table, in id order (for the mention backfill).
MATCH (t:__LABEL__)
WHERE t.namespace = $namespace AND t.id > $after_id
RETURN t.id AS id, t.content AS content
ORDER BY t.id
LIMIT $limit
