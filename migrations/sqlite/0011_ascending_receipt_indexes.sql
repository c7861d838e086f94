-- Each new request has the latest receipt time. In an index on
-- (receive_time DESC, ...) that is the smallest key, at the left edge of
-- its range; SQLite splits a page there half and half and leaves the
-- halves half full, where an append at the right edge starts a new page and
-- leaves the old one full. Ascending, the same indexes take about half the
-- pages and intake writes fewer of them a group (BENCHMARKS.md). SQLite reads
-- an index either way, so ListRequests (newest first) and the export
-- (oldest first) keep their index order without a sort. PostgreSQL keeps
-- its own.
DROP INDEX requests_by_receipt;
CREATE INDEX requests_by_receipt ON requests (receive_time, id);
DROP INDEX requests_by_agency;
CREATE INDEX requests_by_agency ON requests (agency_id, receive_time, id);
DROP INDEX requests_by_submitter;
CREATE INDEX requests_by_submitter ON requests (submitted_by, receive_time, id);
