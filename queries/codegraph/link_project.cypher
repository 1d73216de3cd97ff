// Put a repository in a project (discovery reads imports between projects' repositories).
MATCH (r:Repository {id: $repository_id}), (p:Project {id: $project_id})
MERGE (r)-[:IN_PROJECT]->(p)
RETURN p.id AS id
