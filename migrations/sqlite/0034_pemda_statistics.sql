-- National scale (#26): what a Pemda's statistics read, kept per Pemda so
-- they read one key instead of each of its agencies': the response-time
-- histogram (the sum of its agencies' histogram cells) and the answers
-- awaiting delivery by due month, kept by triggers in the same transaction;
-- and its requests reopened by an overturn, by index.
CREATE TABLE pemda_month_hist (
    pemda_id TEXT NOT NULL,
    month    TEXT NOT NULL,
    span     TEXT NOT NULL,
    days     INTEGER NOT NULL,
    count    INTEGER NOT NULL,
    PRIMARY KEY (pemda_id, month, span, days)
) WITHOUT ROWID;
INSERT INTO pemda_month_hist (pemda_id, month, span, days, count)
SELECT a.pemda_id, h.month, h.span, h.days, SUM(h.count)
FROM agency_month_hist h JOIN agencies a ON a.id = h.agency_id
GROUP BY a.pemda_id, h.month, h.span, h.days;

CREATE TRIGGER pemda_hist_insert AFTER INSERT ON agency_month_hist
BEGIN
    INSERT INTO pemda_month_hist (pemda_id, month, span, days, count)
    SELECT pemda_id, NEW.month, NEW.span, NEW.days, NEW.count
    FROM agencies WHERE id = NEW.agency_id
    ON CONFLICT (pemda_id, month, span, days)
    DO UPDATE SET count = pemda_month_hist.count + excluded.count;
END;
CREATE TRIGGER pemda_hist_update AFTER UPDATE ON agency_month_hist
BEGIN
    INSERT INTO pemda_month_hist (pemda_id, month, span, days, count)
    SELECT pemda_id, NEW.month, NEW.span, NEW.days, NEW.count - OLD.count
    FROM agencies WHERE id = NEW.agency_id
    ON CONFLICT (pemda_id, month, span, days)
    DO UPDATE SET count = pemda_month_hist.count + excluded.count;
END;
CREATE TRIGGER pemda_hist_delete AFTER DELETE ON agency_month_hist
BEGIN
    INSERT INTO pemda_month_hist (pemda_id, month, span, days, count)
    SELECT pemda_id, OLD.month, OLD.span, OLD.days, -OLD.count
    FROM agencies WHERE id = OLD.agency_id
    ON CONFLICT (pemda_id, month, span, days)
    DO UPDATE SET count = pemda_month_hist.count + excluded.count;
END;

CREATE TABLE pemda_undelivered (
    pemda_id  TEXT NOT NULL,
    due_month TEXT NOT NULL,
    n         INTEGER NOT NULL,
    PRIMARY KEY (pemda_id, due_month)
) WITHOUT ROWID;
INSERT INTO pemda_undelivered (pemda_id, due_month, n)
SELECT pemda_id, strftime('%Y-%m', delivery_due_end_time / 1000000, 'unixepoch'), COUNT(*)
FROM requests
WHERE state = 'responded' AND delivery_due_end_time IS NOT NULL
GROUP BY 1, 2;

CREATE TRIGGER pemda_undelivered_insert AFTER INSERT ON requests
WHEN NEW.state = 'responded' AND NEW.delivery_due_end_time IS NOT NULL
BEGIN
    INSERT INTO pemda_undelivered (pemda_id, due_month, n)
    VALUES (NEW.pemda_id, strftime('%Y-%m', NEW.delivery_due_end_time / 1000000, 'unixepoch'), 1)
    ON CONFLICT (pemda_id, due_month) DO UPDATE SET n = n + 1;
END;
CREATE TRIGGER pemda_undelivered_delete AFTER DELETE ON requests
WHEN OLD.state = 'responded' AND OLD.delivery_due_end_time IS NOT NULL
BEGIN
    UPDATE pemda_undelivered SET n = n - 1
    WHERE pemda_id = OLD.pemda_id
      AND due_month = strftime('%Y-%m', OLD.delivery_due_end_time / 1000000, 'unixepoch');
END;
CREATE TRIGGER pemda_undelivered_update AFTER UPDATE ON requests
WHEN OLD.state IS NOT NEW.state OR OLD.delivery_due_end_time IS NOT NEW.delivery_due_end_time
    OR OLD.pemda_id IS NOT NEW.pemda_id
BEGIN
    UPDATE pemda_undelivered SET n = n - 1
    WHERE OLD.state = 'responded' AND OLD.delivery_due_end_time IS NOT NULL
      AND pemda_id = OLD.pemda_id
      AND due_month = strftime('%Y-%m', OLD.delivery_due_end_time / 1000000, 'unixepoch');
    INSERT INTO pemda_undelivered (pemda_id, due_month, n)
    SELECT NEW.pemda_id, strftime('%Y-%m', NEW.delivery_due_end_time / 1000000, 'unixepoch'), 1
    WHERE NEW.state = 'responded' AND NEW.delivery_due_end_time IS NOT NULL
    ON CONFLICT (pemda_id, due_month) DO UPDATE SET n = n + 1;
END;

CREATE INDEX requests_reopened_by_pemda ON requests (pemda_id, due_end_time)
    WHERE state = 'pending' AND first_notice IS NOT NULL;
