// Imports between repositories: a file version keeps the module names it imports that its
// own repository does not define, so a repository indexed later can link them to its files.
ALTER TABLE CodeFile ADD unresolved_imports STRING[];
