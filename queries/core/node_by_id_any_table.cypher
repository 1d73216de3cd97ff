// A node by its ULID when the table is unknown (an untagged id): scans every table.
MATCH (n {id: $id}) RETURN label(n) AS label, n AS node
