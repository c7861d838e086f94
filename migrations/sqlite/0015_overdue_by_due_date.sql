-- Timeliness counts requests still running past their due date at read
-- time (store::figures::overdue_unanswered): by agency and due date among
-- the running ones, covering the due instant, instead of a scan of every
-- pending request.
CREATE INDEX requests_running_by_due ON requests (state, agency_id, due_date, due_end_time);
