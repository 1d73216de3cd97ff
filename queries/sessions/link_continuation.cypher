MATCH (a:Session {id: $previous_id}), (b:Session {id: $next_id})
CREATE (a)-[:CONTINUED_AS {source: $source, at: $now}]->(b)
