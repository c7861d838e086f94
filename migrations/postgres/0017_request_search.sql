-- Search: a request's words and its requester's name, tokenised by the
-- service (src/domain/search.rs) so both backends see the same tokens, with
-- `simple` text search (no stemming, no stop words) in GIN indexes. Rows
-- from before this migration get the lower-cased text.
ALTER TABLE requests ADD COLUMN search_words TEXT NOT NULL DEFAULT '';
ALTER TABLE requests ADD COLUMN search_name TEXT NOT NULL DEFAULT '';
UPDATE requests SET search_words = lower(information_requested),
    search_name = lower(coalesce(requester::json->>'full_name', ''));
-- Words only (for callers who may not see personal data), and words with
-- the requester's name.
ALTER TABLE requests ADD COLUMN search_doc tsvector
    GENERATED ALWAYS AS (to_tsvector('simple', search_words)) STORED;
ALTER TABLE requests ADD COLUMN search_all tsvector
    GENERATED ALWAYS AS (to_tsvector('simple', search_words || ' ' || search_name)) STORED;
CREATE INDEX requests_search_doc ON requests USING gin (search_doc);
CREATE INDEX requests_search_all ON requests USING gin (search_all);
