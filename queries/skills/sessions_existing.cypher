// Which of these ids are stored sessions.
MATCH (x:Session)
WHERE x.id IN $ids
RETURN x.id AS id
