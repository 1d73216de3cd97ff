// PageRank over a projected relation graph, scaled to sum to 1 over the namespace (which
// equals networkx's PageRank, whose dangling nodes share their rank evenly); the top k.
CALL page_rank('__GRAPH__', dampingFactor := 0.85, maxIterations := 30, tolerance := 0.0000001)
WITH node, rank
WHERE node.namespace = $namespace
WITH collect({id: node.id, rank: rank}) AS ranks, sum(rank) AS total
UNWIND ranks AS entry
RETURN entry.id AS id, entry.rank / total AS score
ORDER BY score DESC, id
LIMIT $k
