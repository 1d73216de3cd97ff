// The ids of every node of a text-bearing table (consistency checks).
MATCH (n:__LABEL__) RETURN n.id AS id
