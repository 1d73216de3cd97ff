// A node by its ULID in a known table (the id's tag names the table).
MATCH (n:__LABEL__ {id: $id}) RETURN n AS node
