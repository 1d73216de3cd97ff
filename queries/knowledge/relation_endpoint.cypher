// One end of a relation: an entity's id, namespace, kind and name.
MATCH (e:Entity {id: $id})
RETURN e.id AS id, e.namespace AS namespace, e.kind AS kind, e.name AS name
