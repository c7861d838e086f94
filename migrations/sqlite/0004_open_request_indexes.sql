-- Open requests by agency and by agency subtree (path range), for the
-- figures' "past due now" and "oldest pending" without scanning every open
-- request of the database.
CREATE INDEX requests_open_by_agency ON requests (state, agency_id, due_end_time);
CREATE INDEX requests_open_by_path ON requests (state, agency_path, due_end_time);
