// How many entities match a filter.
MATCH (e:Entity) WHERE __WHERE__ RETURN count(e) AS count
