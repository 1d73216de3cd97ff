// Projects in id (creation) order between the id bounds, filtered.
MATCH (p:Project)
WHERE p.id > $after_id AND p.id < $before_id AND __WHERE__
RETURN p AS node
ORDER BY p.id
LIMIT $limit
