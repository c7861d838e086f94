-- National scale (#26): an agency's "now" figures cost what its own month
-- costs, not its whole backlog.
--
-- Each agency's answers awaiting delivery (responded, with a delivery due
-- instant), counted by the UTC month of that instant, kept by triggers in the
-- same transaction as the request. Every month before the current UTC month
-- has passed, so "overdue for delivery now" reads those months here and only
-- the current month from the register.
CREATE TABLE agency_undelivered (
    agency_id TEXT NOT NULL,
    due_month TEXT NOT NULL,
    n         INTEGER NOT NULL,
    PRIMARY KEY (agency_id, due_month)
) WITHOUT ROWID;
INSERT INTO agency_undelivered (agency_id, due_month, n)
SELECT agency_id, strftime('%Y-%m', delivery_due_end_time / 1000000, 'unixepoch'), COUNT(*)
FROM requests
WHERE state = 'responded' AND delivery_due_end_time IS NOT NULL
GROUP BY 1, 2;

CREATE TRIGGER undelivered_insert AFTER INSERT ON requests
WHEN NEW.state = 'responded' AND NEW.delivery_due_end_time IS NOT NULL
BEGIN
    INSERT INTO agency_undelivered (agency_id, due_month, n)
    VALUES (NEW.agency_id, strftime('%Y-%m', NEW.delivery_due_end_time / 1000000, 'unixepoch'), 1)
    ON CONFLICT (agency_id, due_month) DO UPDATE SET n = n + 1;
END;
CREATE TRIGGER undelivered_delete AFTER DELETE ON requests
WHEN OLD.state = 'responded' AND OLD.delivery_due_end_time IS NOT NULL
BEGIN
    UPDATE agency_undelivered SET n = n - 1
    WHERE agency_id = OLD.agency_id
      AND due_month = strftime('%Y-%m', OLD.delivery_due_end_time / 1000000, 'unixepoch');
END;
-- The store rewrites every column of a request, so the WHEN clause, not
-- UPDATE OF, decides whether the counts can have moved.
CREATE TRIGGER undelivered_update AFTER UPDATE ON requests
WHEN OLD.state IS NOT NEW.state OR OLD.delivery_due_end_time IS NOT NEW.delivery_due_end_time
    OR OLD.agency_id IS NOT NEW.agency_id
BEGIN
    UPDATE agency_undelivered SET n = n - 1
    WHERE OLD.state = 'responded' AND OLD.delivery_due_end_time IS NOT NULL
      AND agency_id = OLD.agency_id
      AND due_month = strftime('%Y-%m', OLD.delivery_due_end_time / 1000000, 'unixepoch');
    INSERT INTO agency_undelivered (agency_id, due_month, n)
    SELECT NEW.agency_id, strftime('%Y-%m', NEW.delivery_due_end_time / 1000000, 'unixepoch'), 1
    WHERE NEW.state = 'responded' AND NEW.delivery_due_end_time IS NOT NULL
    ON CONFLICT (agency_id, due_month) DO UPDATE SET n = n + 1;
END;

-- Requests an overturned objection sent back to the PPID: the clock runs
-- again, but they have had a notice, so the unanswered cells do not hold
-- them. Few, so "past due now" reads them from this index.
CREATE INDEX requests_reopened ON requests (agency_id, due_end_time)
    WHERE state = 'pending' AND first_notice IS NOT NULL;
