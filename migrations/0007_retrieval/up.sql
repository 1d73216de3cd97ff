-- Retrieval: a message's place in its thread, the text of its neighbouring turns as a second
-- full-text column, and an English stemming tokenizer. The FTS index is rebuilt.
DROP TRIGGER node_text_au;
DROP TRIGGER node_text_ad;
DROP TRIGGER node_text_ai;
DROP TABLE node_fts;

-- thread_id and position (the message's idx) are set for messages; context holds the texts
-- of the turns within two positions of it in the same thread.
ALTER TABLE node_text ADD COLUMN thread_id TEXT;
ALTER TABLE node_text ADD COLUMN position INTEGER;
ALTER TABLE node_text ADD COLUMN context TEXT NOT NULL DEFAULT '';
CREATE INDEX node_text_thread ON node_text (thread_id, position);

CREATE VIRTUAL TABLE node_fts USING fts5(
    text, context, content='node_text', content_rowid='rowid', tokenize='porter unicode61'
);
INSERT INTO node_fts(node_fts) VALUES ('rebuild');
CREATE TRIGGER node_text_ai AFTER INSERT ON node_text BEGIN
    INSERT INTO node_fts(rowid, text, context) VALUES (new.rowid, new.text, new.context);
END;
CREATE TRIGGER node_text_ad AFTER DELETE ON node_text BEGIN
    INSERT INTO node_fts(node_fts, rowid, text, context)
    VALUES ('delete', old.rowid, old.text, old.context);
END;
CREATE TRIGGER node_text_au AFTER UPDATE OF text, context ON node_text BEGIN
    INSERT INTO node_fts(node_fts, rowid, text, context)
    VALUES ('delete', old.rowid, old.text, old.context);
    INSERT INTO node_fts(rowid, text, context) VALUES (new.rowid, new.text, new.context);
END;
