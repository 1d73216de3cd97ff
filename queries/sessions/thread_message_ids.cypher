MATCH (t:Thread {id: $id})-[:HAS_MESSAGE]->(m:Message) RETURN m.id AS id
