-- National scale (#26): what a Pemda's statistics read, kept per Pemda so
-- they read one key instead of each of its agencies': the response-time
-- histogram (the sum of its agencies' histogram cells) and the answers
-- awaiting delivery by due month, kept by triggers in the same transaction;
-- and its requests reopened by an overturn, by index.
CREATE TABLE pemda_month_hist (
    pemda_id TEXT NOT NULL,
    month    TEXT NOT NULL,
    span     TEXT NOT NULL,
    days     BIGINT NOT NULL,
    count    BIGINT NOT NULL,
    PRIMARY KEY (pemda_id, month, span, days)
);
INSERT INTO pemda_month_hist (pemda_id, month, span, days, count)
SELECT a.pemda_id, h.month, h.span, h.days, SUM(h.count)
FROM agency_month_hist h JOIN agencies a ON a.id = h.agency_id
GROUP BY a.pemda_id, h.month, h.span, h.days;

CREATE FUNCTION pemda_hist() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    -- A cell's key never changes (the store only adds to its count).
    IF TG_OP = 'DELETE' THEN
        INSERT INTO pemda_month_hist (pemda_id, month, span, days, count)
        SELECT pemda_id, OLD.month, OLD.span, OLD.days, -OLD.count
        FROM agencies WHERE id = OLD.agency_id
        ON CONFLICT (pemda_id, month, span, days)
        DO UPDATE SET count = pemda_month_hist.count + excluded.count;
    ELSE
        INSERT INTO pemda_month_hist (pemda_id, month, span, days, count)
        SELECT pemda_id, NEW.month, NEW.span, NEW.days,
               NEW.count - CASE WHEN TG_OP = 'UPDATE' THEN OLD.count ELSE 0 END
        FROM agencies WHERE id = NEW.agency_id
        ON CONFLICT (pemda_id, month, span, days)
        DO UPDATE SET count = pemda_month_hist.count + excluded.count;
    END IF;
    RETURN NULL;
END;
$$;
CREATE TRIGGER pemda_hist AFTER INSERT OR UPDATE OR DELETE ON agency_month_hist
    FOR EACH ROW EXECUTE FUNCTION pemda_hist();

CREATE TABLE pemda_undelivered (
    pemda_id  TEXT NOT NULL,
    due_month TEXT NOT NULL,
    n         BIGINT NOT NULL,
    PRIMARY KEY (pemda_id, due_month)
);
INSERT INTO pemda_undelivered (pemda_id, due_month, n)
SELECT pemda_id, utc_month(delivery_due_end_time), COUNT(*) FROM requests
WHERE state = 'responded' AND delivery_due_end_time IS NOT NULL
GROUP BY 1, 2;

CREATE FUNCTION pemda_undelivered_cells() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP IN ('UPDATE', 'DELETE') AND OLD.state = 'responded'
       AND OLD.delivery_due_end_time IS NOT NULL THEN
        UPDATE pemda_undelivered SET n = n - 1
        WHERE pemda_id = OLD.pemda_id
          AND due_month = utc_month(OLD.delivery_due_end_time);
    END IF;
    IF TG_OP IN ('INSERT', 'UPDATE') AND NEW.state = 'responded'
       AND NEW.delivery_due_end_time IS NOT NULL THEN
        INSERT INTO pemda_undelivered (pemda_id, due_month, n)
        VALUES (NEW.pemda_id, utc_month(NEW.delivery_due_end_time), 1)
        ON CONFLICT (pemda_id, due_month) DO UPDATE SET n = pemda_undelivered.n + 1;
    END IF;
    RETURN NULL;
END;
$$;
-- As for the agencies' cells (0032): only rows that can count fire it.
CREATE TRIGGER pemda_undelivered_insert AFTER INSERT ON requests
    FOR EACH ROW
    WHEN (NEW.state = 'responded' AND NEW.delivery_due_end_time IS NOT NULL)
    EXECUTE FUNCTION pemda_undelivered_cells();
CREATE TRIGGER pemda_undelivered_delete AFTER DELETE ON requests
    FOR EACH ROW
    WHEN (OLD.state = 'responded' AND OLD.delivery_due_end_time IS NOT NULL)
    EXECUTE FUNCTION pemda_undelivered_cells();
CREATE TRIGGER pemda_undelivered_update AFTER UPDATE ON requests
    FOR EACH ROW
    WHEN (OLD.state IS DISTINCT FROM NEW.state
          OR OLD.delivery_due_end_time IS DISTINCT FROM NEW.delivery_due_end_time
          OR OLD.pemda_id IS DISTINCT FROM NEW.pemda_id)
    EXECUTE FUNCTION pemda_undelivered_cells();

CREATE INDEX requests_reopened_by_pemda ON requests (pemda_id, due_end_time)
    WHERE state = 'pending' AND first_notice IS NOT NULL;
