// Delete the legacy keys an import recorded.
MATCH (k:LegacyKey)
WHERE k.job_id = $job_id
DELETE k
