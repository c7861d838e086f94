-- Every word of the requests' search documents (the requester's name
-- included), kept by a trigger. A search word is a prefix, and a GIN
-- prefix match collects every match of the prefix before intersecting
-- ("laporan:*": 102,038 requests, 30-70 ms); the store reads the words a
-- search word starts from here and searches them whole, which the index
-- intersects fast (store::register::expand_prefixes). Words never leave:
-- a word no request has any more matches nothing.
CREATE TABLE search_lexemes (lexeme TEXT COLLATE "C" PRIMARY KEY);
INSERT INTO search_lexemes
    SELECT word FROM ts_stat('SELECT search_all FROM requests') WHERE word NOT LIKE '@%';

CREATE FUNCTION keep_search_lexemes() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    -- In order, and only the new ones: writers adding the same new word
    -- wait for each other in one order.
    INSERT INTO search_lexemes
        SELECT l FROM unnest(tsvector_to_array(
            to_tsvector('simple', NEW.search_words || ' ' || NEW.search_name))) AS l
        WHERE NOT EXISTS (SELECT 1 FROM search_lexemes s WHERE s.lexeme = l)
        ORDER BY l
        ON CONFLICT DO NOTHING;
    RETURN NULL;
END
$$;
CREATE TRIGGER requests_search_lexemes_insert AFTER INSERT ON requests
    FOR EACH ROW EXECUTE FUNCTION keep_search_lexemes();
CREATE TRIGGER requests_search_lexemes_update AFTER UPDATE OF search_words, search_name ON requests
    FOR EACH ROW
    WHEN (OLD.search_words IS DISTINCT FROM NEW.search_words
          OR OLD.search_name IS DISTINCT FROM NEW.search_name)
    EXECUTE FUNCTION keep_search_lexemes();
