CREATE (j:Job {id: $id, namespace: $namespace, created_at: $now, kind: $kind, status: 'queued', parameters: $parameters, progress: 0.0, counts: '{}', errors: [], checkpoint: NULL, updated_at: $now})
RETURN j AS node
