MATCH (p:Project {id: $project_id})
CREATE (r:Reflection {id: $id, namespace: p.namespace, created_at: $now, content: $content, tags: $tags, importance: $importance})-[:IN_PROJECT]->(p)
RETURN r AS node, p.id AS project_id
