// A page of entities in reverse id order (for last/before), filtered.
MATCH (e:Entity)
WHERE e.id > $after_id AND e.id < $before_id AND __WHERE__
RETURN e AS node
ORDER BY e.id DESC
LIMIT $limit
