// The file versions a commit contains (in FileInfo's field order).
MATCH (c:Commit {id: $commit_id})-[:CONTAINS]->(f:CodeFile)
RETURN f.id AS id, f.path AS path, f.module AS module, f.language AS language, f.content_hash AS content_hash, f.lines AS lines, f.error AS error
