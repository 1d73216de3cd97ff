// Texts of one table in a namespace whose lower-cased content contains a word (a prefilter).
MATCH (t:__LABEL__)
WHERE t.namespace = $namespace AND lower(t.content) CONTAINS $needle
RETURN t.id AS id, t.content AS content
