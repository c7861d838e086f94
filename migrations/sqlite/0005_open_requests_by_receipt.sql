-- The oldest open requests of an agency or subtree come straight from the
-- index (receipt order), without reading every open row.
DROP INDEX requests_open_by_agency;
DROP INDEX requests_open_by_path;
CREATE INDEX requests_open_by_agency ON requests (state, agency_id, receive_time, id, due_end_time);
CREATE INDEX requests_open_by_path ON requests (state, agency_path, receive_time, id, due_end_time);
