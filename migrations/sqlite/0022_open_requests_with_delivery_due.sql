-- Worklists order a subtree's running deadlines: the notice's (pending) and
-- delivery's (responded). With the delivery due date in the index that
-- already serves open requests by path, both come from the index alone
-- (1M requests: "due within 2 working days" for a Pemda 90 ms -> 13 ms).
DROP INDEX requests_open_by_path;
CREATE INDEX requests_open_by_path ON requests (state, agency_path, receive_time, id, due_end_time,
    delivery_due_end_time);
