-- National scale (#26). The writer now adds a group's new unanswered
-- requests to agency_unanswered and pemda_unanswered once, just before it
-- commits (store::figures::apply_unanswered): a PL/pgSQL call and two
-- upserts of the same rows for every new request were most of what these
-- cells cost SubmitRequest. The triggers keep what changes a stored
-- request: an update or a delete.
--
-- They take a request out with an upsert of -1, not an UPDATE: a request
-- may be answered, moved or deleted later in the same group (an import
-- runs a whole register as one write) while its +1 is still waiting to be
-- written, and then its cell row may not exist yet.
CREATE OR REPLACE FUNCTION unanswered_cells() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF OLD.state = 'pending' AND OLD.first_notice IS NULL AND OLD.due_date IS NOT NULL THEN
        INSERT INTO agency_unanswered (agency_id, due_month, n)
        VALUES (OLD.agency_id, substr(OLD.due_date, 1, 7), -1)
        ON CONFLICT (agency_id, due_month) DO UPDATE SET n = agency_unanswered.n - 1;
        INSERT INTO pemda_unanswered (pemda_id, due_month, n)
        VALUES (OLD.pemda_id, substr(OLD.due_date, 1, 7), -1)
        ON CONFLICT (pemda_id, due_month) DO UPDATE SET n = pemda_unanswered.n - 1;
    END IF;
    IF TG_OP = 'UPDATE' AND NEW.state = 'pending'
       AND NEW.first_notice IS NULL AND NEW.due_date IS NOT NULL THEN
        INSERT INTO agency_unanswered (agency_id, due_month, n)
        VALUES (NEW.agency_id, substr(NEW.due_date, 1, 7), 1)
        ON CONFLICT (agency_id, due_month) DO UPDATE SET n = agency_unanswered.n + 1;
        INSERT INTO pemda_unanswered (pemda_id, due_month, n)
        VALUES (NEW.pemda_id, substr(NEW.due_date, 1, 7), 1)
        ON CONFLICT (pemda_id, due_month) DO UPDATE SET n = pemda_unanswered.n + 1;
    END IF;
    RETURN NULL;
END;
$$;
DROP TRIGGER unanswered_cells ON requests;
CREATE TRIGGER unanswered_cells AFTER DELETE ON requests
    FOR EACH ROW EXECUTE FUNCTION unanswered_cells();
