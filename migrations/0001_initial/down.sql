DROP TRIGGER node_text_au;
DROP TRIGGER node_text_ad;
DROP TRIGGER node_text_ai;
DROP TABLE node_fts;
DROP TABLE node_vectors;
DROP TABLE index_meta;
DROP TABLE node_text;
