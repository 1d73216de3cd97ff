MATCH (p:Project) WHERE __WHERE__ RETURN count(p) AS count
