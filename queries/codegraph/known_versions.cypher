// File versions of a repository's indexed commits with these content hashes.
MATCH (r:Repository {id: $repository_id})-[:HAS_COMMIT]->(:Commit)-[:CONTAINS]->(f:CodeFile)
WHERE f.content_hash IN $hashes
RETURN DISTINCT f.id AS id, f.path AS path, f.content_hash AS content_hash, f.analysis AS analysis
