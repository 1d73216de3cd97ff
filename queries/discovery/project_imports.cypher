// Pairs of projects whose code files import each other's, with the number of imports.
MATCH (p:Project)<-[:IN_PROJECT]-(:Repository)-[:HAS_COMMIT]->(:Commit)-[:CONTAINS]->(f:CodeFile)-[:IMPORTS]->(g:CodeFile)<-[:CONTAINS]-(:Commit)<-[:HAS_COMMIT]-(:Repository)-[:IN_PROJECT]->(q:Project)
WHERE p.id <> q.id AND p.namespace = $namespace
RETURN p.name AS from_name, q.name AS to_name, count(*) AS imports
