// A thread's message counter and namespace (read in the writer's transaction before appending).
MATCH (t:Thread {id: $id}) RETURN t.message_count AS count, t.namespace AS namespace
