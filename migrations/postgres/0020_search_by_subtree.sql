-- A subtree search in one GIN scan: each agency on a request's path becomes
-- a lexeme of its search documents, '@' followed by the agency's id (a
-- search word is letters and digits only, so it can never be one). A word
-- search under an agency then intersects the words with '@{id}' in the
-- index, instead of fetching every match from the table and filtering it by
-- path. Generated columns follow a request's agency_path.
DROP INDEX requests_search_doc;
DROP INDEX requests_search_all;
ALTER TABLE requests DROP COLUMN search_doc, DROP COLUMN search_all;
ALTER TABLE requests ADD COLUMN search_doc tsvector GENERATED ALWAYS AS (
    to_tsvector('simple', search_words)
    || array_to_tsvector(string_to_array(
        regexp_replace(btrim(agency_path, '/'), '([^/]+)', '@\1', 'g'), '/'))
) STORED;
ALTER TABLE requests ADD COLUMN search_all tsvector GENERATED ALWAYS AS (
    to_tsvector('simple', search_words || ' ' || search_name)
    || array_to_tsvector(string_to_array(
        regexp_replace(btrim(agency_path, '/'), '([^/]+)', '@\1', 'g'), '/'))
) STORED;
CREATE INDEX requests_search_doc ON requests USING gin (search_doc);
CREATE INDEX requests_search_all ON requests USING gin (search_all);
