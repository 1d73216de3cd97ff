// Every link of the project's session chain, oldest first: one hop from the project over
// its numbered CHAIN_LINK edges (copies of the CONTINUED_AS edges; see migration 0003).
MATCH (p:Project {id: $project_id})-[l:CHAIN_LINK]->(:Session)
RETURN l.previous_id AS previous_id, l.next_id AS next_id, l.source AS source, l.at AS at
ORDER BY l.seq
