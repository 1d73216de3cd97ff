-- Texts of text-bearing nodes; the graph is the source of truth, this is an index of it.
-- has_vector is 1 when node_vectors holds the node's embedding (0: waiting for a backfill).
CREATE TABLE node_text (
    rowid INTEGER PRIMARY KEY,
    node_id TEXT NOT NULL UNIQUE,
    kind TEXT NOT NULL,
    namespace TEXT NOT NULL DEFAULT '',
    text TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    has_vector INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX node_text_kind ON node_text (namespace, kind);
CREATE INDEX node_text_has_vector ON node_text (has_vector);

-- One embedding per node, cosine distance, filterable by namespace and kind. The vec0 rowid
-- is the node's node_text rowid (a vector never exists without its text row).
CREATE VIRTUAL TABLE node_vectors USING vec0(
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
