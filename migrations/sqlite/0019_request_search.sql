-- Search: a request's words and its requester's name, tokenised by the
-- service (src/domain/search.rs) so both backends see the same tokens, in
-- an FTS5 index kept by triggers. Rows from before this migration get the
-- lower-cased text; FTS5's tokenizer folds their accents the same way.
ALTER TABLE requests ADD COLUMN search_words TEXT NOT NULL DEFAULT '';
ALTER TABLE requests ADD COLUMN search_name TEXT NOT NULL DEFAULT '';
UPDATE requests SET search_words = lower(information_requested),
    search_name = lower(coalesce(json_extract(requester, '$.full_name'), ''));

CREATE VIRTUAL TABLE request_search USING fts5(
    search_words, search_name,
    content = 'requests', content_rowid = 'rowid',
    tokenize = 'unicode61 remove_diacritics 2'
);
INSERT INTO request_search (request_search) VALUES ('rebuild');

CREATE TRIGGER request_search_insert AFTER INSERT ON requests BEGIN
    INSERT INTO request_search (rowid, search_words, search_name)
    VALUES (new.rowid, new.search_words, new.search_name);
END;
CREATE TRIGGER request_search_update AFTER UPDATE OF search_words, search_name ON requests
WHEN old.search_words IS NOT new.search_words OR old.search_name IS NOT new.search_name BEGIN
    INSERT INTO request_search (request_search, rowid, search_words, search_name)
    VALUES ('delete', old.rowid, old.search_words, old.search_name);
    INSERT INTO request_search (rowid, search_words, search_name)
    VALUES (new.rowid, new.search_words, new.search_name);
END;
CREATE TRIGGER request_search_delete AFTER DELETE ON requests BEGIN
    INSERT INTO request_search (request_search, rowid, search_words, search_name)
    VALUES ('delete', old.rowid, old.search_words, old.search_name);
END;

