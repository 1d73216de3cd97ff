// Every node of a text-bearing table, for consistency checks and the backfill.
MATCH (n:__LABEL__) RETURN n AS node
