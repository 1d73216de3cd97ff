// The symbols of a commit's file versions (in SymbolInfo's field order).
MATCH (c:Commit {id: $commit_id})-[:CONTAINS]->(f:CodeFile)-[:DEFINES]->(s:Symbol)
RETURN s.id AS id, f.id AS file_id, s.name AS name, s.qualname AS qualname, s.kind AS kind, s.module AS module, s.line_start AS line_start, s.line_end AS line_end, s.docstring AS docstring
