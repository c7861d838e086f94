-- National scale (#26): an agency's "now" figures cost what its own month
-- costs, not its whole backlog.
--
-- Each agency's answers awaiting delivery (responded, with a delivery due
-- instant), counted by the UTC month of that instant, kept by a trigger in
-- the same transaction as the request. Every month before the current UTC
-- month has passed, so "overdue for delivery now" reads those months here
-- and only the current month from the register.
CREATE TABLE agency_undelivered (
    agency_id TEXT NOT NULL,
    due_month TEXT NOT NULL,
    n         BIGINT NOT NULL,
    PRIMARY KEY (agency_id, due_month)
);
-- The month of a delivery due instant (microseconds since the epoch), in UTC.
CREATE FUNCTION utc_month(micros BIGINT) RETURNS TEXT LANGUAGE sql IMMUTABLE AS $$
    SELECT to_char(to_timestamp(micros / 1000000) AT TIME ZONE 'UTC', 'YYYY-MM')
$$;
INSERT INTO agency_undelivered (agency_id, due_month, n)
SELECT agency_id, utc_month(delivery_due_end_time), COUNT(*) FROM requests
WHERE state = 'responded' AND delivery_due_end_time IS NOT NULL
GROUP BY 1, 2;

CREATE FUNCTION undelivered_cells() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP IN ('UPDATE', 'DELETE') AND OLD.state = 'responded'
       AND OLD.delivery_due_end_time IS NOT NULL THEN
        UPDATE agency_undelivered SET n = n - 1
        WHERE agency_id = OLD.agency_id
          AND due_month = utc_month(OLD.delivery_due_end_time);
    END IF;
    IF TG_OP IN ('INSERT', 'UPDATE') AND NEW.state = 'responded'
       AND NEW.delivery_due_end_time IS NOT NULL THEN
        INSERT INTO agency_undelivered (agency_id, due_month, n)
        VALUES (NEW.agency_id, utc_month(NEW.delivery_due_end_time), 1)
        ON CONFLICT (agency_id, due_month) DO UPDATE SET n = agency_undelivered.n + 1;
    END IF;
    RETURN NULL;
END;
$$;
-- Only rows that can count fire it: a new request is pending, and its
-- insert costs no call.
CREATE TRIGGER undelivered_cells_insert AFTER INSERT ON requests
    FOR EACH ROW
    WHEN (NEW.state = 'responded' AND NEW.delivery_due_end_time IS NOT NULL)
    EXECUTE FUNCTION undelivered_cells();
CREATE TRIGGER undelivered_cells_delete AFTER DELETE ON requests
    FOR EACH ROW
    WHEN (OLD.state = 'responded' AND OLD.delivery_due_end_time IS NOT NULL)
    EXECUTE FUNCTION undelivered_cells();
-- The store rewrites every column of a request, so the WHEN clause, not
-- UPDATE OF, decides whether the counts can have moved.
CREATE TRIGGER undelivered_cells_update AFTER UPDATE ON requests
    FOR EACH ROW
    WHEN (OLD.state IS DISTINCT FROM NEW.state
          OR OLD.delivery_due_end_time IS DISTINCT FROM NEW.delivery_due_end_time
          OR OLD.agency_id IS DISTINCT FROM NEW.agency_id)
    EXECUTE FUNCTION undelivered_cells();

-- Requests an overturned objection sent back to the PPID: the clock runs
-- again, but they have had a notice, so the unanswered cells do not hold
-- them. Few, so "past due now" reads them from this index.
CREATE INDEX requests_reopened ON requests (agency_id, due_end_time)
    WHERE state = 'pending' AND first_notice IS NOT NULL;
