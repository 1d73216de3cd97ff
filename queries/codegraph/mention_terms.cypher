// Paths and qualified names of the files and symbols of one commit (mention targets).
MATCH (c:Commit {id: $commit_id})-[:CONTAINS]->(f:CodeFile)
OPTIONAL MATCH (f)-[:DEFINES]->(s:Symbol)
RETURN f.id AS file_id, f.path AS path, s.id AS symbol_id, s.qualname AS qualname, s.module AS module, s.kind AS kind
