-- Every new request is written into each index on requests, and intake is
-- what SQLite does most. Three indexes go; each was about one page written
-- per request (EXPLAIN QUERY PLAN of every statement over 200k requests,
-- BENCHMARKS.md). What they served now comes from the others:
--   requests_open (state, due_end_time): the overdue list, from
--     requests_open_by_receipt (28.8 -> 0.65 ms a page: no sort);
--   requests_open_due_by_agency and requests_open_by_agency (state,
--     agency_id, ...): one agency's open requests, past due or by receipt,
--     from requests_open_by_path, as the queries also name the agency's path
--     (push_one_agency, request_filter); counts by state from any index that
--     starts with state.
-- Intake writes 7.1 pages a request instead of 9.6.
DROP INDEX requests_open;
DROP INDEX requests_open_due_by_agency;
DROP INDEX requests_open_by_agency;
