-- Open requests by agency and by agency subtree (path range), for the
-- figures' "past due now" and "oldest pending" without scanning every open
-- request of the database. Paths compare byte-wise (COLLATE "C"), so a
-- subtree is the range [path, path with its final '/' replaced by '0').
ALTER TABLE requests ALTER COLUMN agency_path TYPE TEXT COLLATE "C";
ALTER TABLE objections ALTER COLUMN agency_path TYPE TEXT COLLATE "C";
ALTER TABLE agencies ALTER COLUMN path TYPE TEXT COLLATE "C";
CREATE INDEX requests_open_by_agency ON requests (state, agency_id, due_end_time);
CREATE INDEX requests_open_by_path ON requests (state, agency_path, due_end_time);
