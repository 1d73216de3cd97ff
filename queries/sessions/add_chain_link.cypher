// Append a link to the project's chain (run with link_continuation, in its transaction):
// numbered after the project's last link, from 0.
MATCH (p:Project {id: $project_id}), (b:Session {id: $next_id})
OPTIONAL MATCH (p)-[old:CHAIN_LINK]->(:Session)
WITH p, b, coalesce(max(old.seq) + 1, 0) AS seq
CREATE (p)-[:CHAIN_LINK {seq: seq, previous_id: $previous_id, next_id: $next_id, source: $source, at: $now}]->(b)
