MATCH (n:Conversation)-[:IN_PROJECT]->(p:Project {id: $project_id}) WHERE __WHERE__ RETURN count(n) AS count
