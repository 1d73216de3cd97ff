// Forget a namespace's co-use edges before they are recomputed.
MATCH (a:Skill)-[r:CO_USED]->(:Skill)
WHERE a.namespace = $namespace
DELETE r
