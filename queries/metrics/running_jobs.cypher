MATCH (j:Job) WHERE j.status = 'running'
RETURN j.id AS id, j.kind AS kind, j.progress AS progress
