MATCH (c:Conversation {id: $id}), (t:Thread {id: $thread_id})
CREATE (c)-[:CHECKPOINT_OF]->(t)
