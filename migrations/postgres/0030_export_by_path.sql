-- An export or a list of one Pemda's (or one OPD's subtree's) requests in
-- receipt order reads its own rows from this index: without it the planner
-- walks the whole country's receipt-time index to find one Pemda's rows.
CREATE INDEX requests_by_path_receipt ON requests (agency_path, receive_time, id);
