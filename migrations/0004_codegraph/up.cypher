// Code graphs: the 0001 placeholders get what indexing stores, code becomes a mention target.
// A CodeFile is one version of a file (path + content hash), shared by every commit that
// CONTAINS it; its Symbols (module, class, function, method) and the IMPORTS, CALLS and
// INHERITS edges between versions are shared likewise, and a commit's graph is the part of
// them among the versions it contains. `analysis` keeps the parse result (JSON), so an
// unchanged file is never parsed again.
ALTER TABLE Repository RENAME url TO remote;
ALTER TABLE Commit ADD indexed_at TIMESTAMP;
ALTER TABLE Commit ADD file_count INT64;
ALTER TABLE CodeFile RENAME sha TO content_hash;
ALTER TABLE CodeFile ADD lines INT64;
ALTER TABLE CodeFile ADD size INT64;
ALTER TABLE CodeFile ADD error STRING;
ALTER TABLE CodeFile ADD analysis STRING;
ALTER TABLE Symbol RENAME lineno TO line_start;
ALTER TABLE Symbol ADD line_end INT64;
ALTER TABLE Symbol ADD module STRING;
ALTER TABLE Symbol ADD docstring STRING;
CREATE REL TABLE INHERITS(FROM Symbol TO Symbol);
// Texts that name a file path or a qualified symbol (MENTIONS gains the pairs in place).
ALTER TABLE MENTIONS ADD FROM Message TO CodeFile;
ALTER TABLE MENTIONS ADD FROM Conversation TO CodeFile;
ALTER TABLE MENTIONS ADD FROM Reflection TO CodeFile;
ALTER TABLE MENTIONS ADD FROM Message TO Symbol;
ALTER TABLE MENTIONS ADD FROM Conversation TO Symbol;
ALTER TABLE MENTIONS ADD FROM Reflection TO Symbol;
