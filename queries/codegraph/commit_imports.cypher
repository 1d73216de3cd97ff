// IMPORTS edges leaving a commit's file versions (the caller keeps those inside the commit).
MATCH (c:Commit {id: $commit_id})-[:CONTAINS]->(a:CodeFile)-[:IMPORTS]->(b:CodeFile)
RETURN a.id AS from_id, b.id AS to_id
