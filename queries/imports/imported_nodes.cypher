// The nodes an import created.
MATCH (i:ImportedNode)
WHERE i.job_id = $job_id
RETURN i.node_id AS node_id, i.label AS label
