// Skills created on first use.
UNWIND $skills AS k
CREATE (:Skill {id: k.id, namespace: $namespace, created_at: $now, name: k.name})
