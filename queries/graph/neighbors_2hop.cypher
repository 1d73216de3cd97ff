// Distinct nodes within two hops of a node, either direction, over any relationship.
MATCH (a:__LABEL__ {id: $id})-[*1..2]-(b)
WITH DISTINCT b
WHERE b.id <> $id
RETURN b.id AS id, label(b) AS label
