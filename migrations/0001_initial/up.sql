-- Texts of text-bearing nodes; the graph is the source of truth, this is an index of it.
CREATE TABLE node_text (
    rowid INTEGER PRIMARY KEY,
    node_id TEXT NOT NULL UNIQUE,
    kind TEXT NOT NULL,
    namespace TEXT NOT NULL DEFAULT '',
    text TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
CREATE INDEX node_text_kind ON node_text (namespace, kind);

-- One embedding per node, cosine distance, filterable by namespace and kind.
CREATE VIRTUAL TABLE node_vectors USING vec0(
    node_id TEXT PRIMARY KEY,
    namespace TEXT PARTITION KEY,
    kind TEXT,
    embedding float[384] distance_metric=cosine
);

-- Full-text index over node_text (external content, kept in sync by triggers).
CREATE VIRTUAL TABLE node_fts USING fts5(text, content='node_text', content_rowid='rowid');
CREATE TRIGGER node_text_ai AFTER INSERT ON node_text BEGIN
    INSERT INTO node_fts(rowid, text) VALUES (new.rowid, new.text);
END;
CREATE TRIGGER node_text_ad AFTER DELETE ON node_text BEGIN
    INSERT INTO node_fts(node_fts, rowid, text) VALUES ('delete', old.rowid, old.text);
END;
CREATE TRIGGER node_text_au AFTER UPDATE OF text ON node_text BEGIN
    INSERT INTO node_fts(node_fts, rowid, text) VALUES ('delete', old.rowid, old.text);
    INSERT INTO node_fts(rowid, text) VALUES (new.rowid, new.text);
END;

-- Which model made the vectors (a different model or dimension is refused).
CREATE TABLE index_meta (
    key TEXT PRIMARY KEY,
    value TEXT NOT NULL
);
