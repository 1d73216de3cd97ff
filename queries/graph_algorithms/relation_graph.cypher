// Relations between entities of a namespace, accepted or proposed: those valid at $as_of
// (validFrom <= asOf < validTo), or every one, retired included, when $all_times.
MATCH (a:Entity)-[r:RELATED]->(b:Entity)
WHERE a.namespace = $namespace AND b.namespace = $namespace
  AND r.status IN ['accepted', 'proposed']
  AND ($all_times OR ((r.valid_from IS NULL OR r.valid_from <= $as_of) AND (r.valid_to IS NULL OR r.valid_to > $as_of)))
RETURN r.id AS id, a.id AS source, b.id AS target, r.type AS type, r.status AS status,
       r.valid_from AS valid_from, r.valid_to AS valid_to
