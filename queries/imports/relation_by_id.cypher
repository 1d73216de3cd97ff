// A relation by its id.
MATCH (:Entity)-[r:RELATED]->(:Entity)
WHERE r.id = $id
RETURN r.id AS id
