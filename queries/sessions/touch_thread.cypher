MATCH (t:Thread {id: $id}) SET t.message_count = $count, t.updated_at = $now
