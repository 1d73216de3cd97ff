// A shortest path between two entities over current relations, either direction, of at
// most 8 steps (callers cap it lower).
MATCH p = (a:Entity {id: $source})-[:RELATED* SHORTEST 1..8 (r, n | WHERE r.valid_to IS NULL AND r.status IN ['accepted', 'proposed'])]-(b:Entity {id: $target})
RETURN nodes(p) AS nodes, rels(p) AS rels
LIMIT 1
