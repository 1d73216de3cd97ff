// CALLS edges leaving a commit's symbols (the caller keeps those inside the commit).
MATCH (c:Commit {id: $commit_id})-[:CONTAINS]->(:CodeFile)-[:DEFINES]->(a:Symbol)-[:CALLS]->(b:Symbol)
RETURN a.id AS from_id, b.id AS to_id
