-- "Past due now" for one agency: equality on state and agency, range on the
-- due instant, so the planner never falls back to every overdue request.
CREATE INDEX requests_open_due_by_agency ON requests (state, agency_id, due_end_time);
