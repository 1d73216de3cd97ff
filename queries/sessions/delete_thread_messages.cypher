// Removes a thread's messages (and their edges); run before delete_thread.
MATCH (t:Thread {id: $id})-[:HAS_MESSAGE]->(m:Message)
DETACH DELETE m
