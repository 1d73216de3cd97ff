MATCH (j:Job {id: $id})
RETURN j AS node
