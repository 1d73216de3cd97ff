// Undo 0009_code_imports.
ALTER TABLE CodeFile DROP unresolved_imports;
