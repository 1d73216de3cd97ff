// Distinct neighbours of a node, either direction, over any relationship.
MATCH (a:__LABEL__ {id: $id})-[]-(b)
WITH DISTINCT b
RETURN b.id AS id, label(b) AS label
