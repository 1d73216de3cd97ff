// One hop from a node over any relationship table, either direction: edges of the tables
// in $tables, and RELATED edges of the types in $types; retired or rejected relations
// are left out. Neighbours come back as ids only (whole nodes of any table are slow to
// read here); callers look their properties up by primary key.
MATCH (a:__LABEL__ {id: $id})-[r]-(b)
WHERE label(r) IN $tables OR (label(r) = 'RELATED' AND r.type IN $types)
WITH a, r, b
WHERE label(r) <> 'RELATED' OR (r.valid_to IS NULL AND r.status <> 'rejected')
RETURN label(r) AS label, r AS rel, id(a) AS origin, id(b) AS node_key, b.id AS node_id,
       label(b) AS node_label
LIMIT $limit
