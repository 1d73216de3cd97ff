MATCH (t:Thread {id: $id})
DETACH DELETE t
