MATCH (p:Project {id: $project_id})
CREATE (c:Conversation {id: $id, namespace: p.namespace, created_at: $now, content: $content, metadata: $metadata})-[:IN_PROJECT]->(p)
RETURN c AS node, p.id AS project_id
