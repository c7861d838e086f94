-- Import of an existing register (ppid import register): a number that does
-- not fit {PEMDA}/PPID/{YEAR}/{NNNNNN} is kept beside the new one, and a
-- second import of the same file finds it by that number.
ALTER TABLE requests ADD COLUMN legacy_number TEXT;
CREATE UNIQUE INDEX requests_by_legacy_number ON requests (pemda_id, legacy_number)
    WHERE legacy_number IS NOT NULL;
