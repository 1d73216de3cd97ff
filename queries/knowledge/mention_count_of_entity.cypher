// How many texts mention an entity.
MATCH (t)-[:MENTIONS]->(e:Entity {id: $id})
RETURN count(t) AS count
