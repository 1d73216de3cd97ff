DROP TRIGGER node_text_au;
DROP TRIGGER node_text_ad;
DROP TRIGGER node_text_ai;
DROP TABLE node_fts;
DROP INDEX node_text_thread;
ALTER TABLE node_text DROP COLUMN context;
ALTER TABLE node_text DROP COLUMN position;
ALTER TABLE node_text DROP COLUMN thread_id;

CREATE VIRTUAL TABLE node_fts USING fts5(text, content='node_text', content_rowid='rowid');
INSERT INTO node_fts(node_fts) VALUES ('rebuild');
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
