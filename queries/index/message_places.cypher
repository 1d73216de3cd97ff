// Where messages sit: their thread and idx (the backfill gives stored texts their context).
MATCH (t:Thread)-[:HAS_MESSAGE]->(m:Message) WHERE m.id IN $ids
RETURN m.id AS id, t.id AS thread_id, m.idx AS idx
