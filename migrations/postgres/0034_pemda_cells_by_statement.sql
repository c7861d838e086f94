-- SubmitRequest's cost of the Pemda cells on PostgreSQL (#26). The row
-- trigger of 0021 ran a PL/pgSQL call and an upsert for every agency cell a
-- write touched (three grains per request, so dozens per group commit);
-- these statement triggers read the statement's changed rows (transition
-- tables) and add them to the Pemda cells in one upsert per statement,
-- summed by Pemda and month. A cell's key never changes: the store only
-- adds to its counts. The same for the histogram cells of 0033.
DROP TRIGGER pemda_cells ON agency_month_stats;
DROP FUNCTION pemda_cells();

CREATE FUNCTION pemda_cells_inserted() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO pemda_month_stats (pemda_id, month, received, withdrawn, decided, granted, partially_granted, rejected, not_held, not_yet_documented, on_time, on_time_original, notice_days_sum, extended, delivered, delivery_days_sum, withholding_registered, withholding_unregistered, letter_a, letter_b, letter_c, letter_d, letter_e, letter_f, letter_g, letter_h, letter_i, letter_j, objections_filed, objections_decided, objections_on_time, objections_overturned, disputes_filed, dispute_mediation, dispute_granted, dispute_partly_granted, dispute_refused, due_answered, due_on_time, rejected_registered, reanswered, reanswered_on_time, dispute_inadmissible, dispute_withdrawn, delivered_late)
    SELECT a.pemda_id, c.month, SUM(c.received), SUM(c.withdrawn), SUM(c.decided), SUM(c.granted), SUM(c.partially_granted), SUM(c.rejected), SUM(c.not_held), SUM(c.not_yet_documented), SUM(c.on_time), SUM(c.on_time_original), SUM(c.notice_days_sum), SUM(c.extended), SUM(c.delivered), SUM(c.delivery_days_sum), SUM(c.withholding_registered), SUM(c.withholding_unregistered), SUM(c.letter_a), SUM(c.letter_b), SUM(c.letter_c), SUM(c.letter_d), SUM(c.letter_e), SUM(c.letter_f), SUM(c.letter_g), SUM(c.letter_h), SUM(c.letter_i), SUM(c.letter_j), SUM(c.objections_filed), SUM(c.objections_decided), SUM(c.objections_on_time), SUM(c.objections_overturned), SUM(c.disputes_filed), SUM(c.dispute_mediation), SUM(c.dispute_granted), SUM(c.dispute_partly_granted), SUM(c.dispute_refused), SUM(c.due_answered), SUM(c.due_on_time), SUM(c.rejected_registered), SUM(c.reanswered), SUM(c.reanswered_on_time), SUM(c.dispute_inadmissible), SUM(c.dispute_withdrawn), SUM(c.delivered_late)
    FROM new_cells c JOIN agencies a ON a.id = c.agency_id
    GROUP BY a.pemda_id, c.month
    ON CONFLICT (pemda_id, month) DO UPDATE SET received = pemda_month_stats.received + excluded.received, withdrawn = pemda_month_stats.withdrawn + excluded.withdrawn, decided = pemda_month_stats.decided + excluded.decided, granted = pemda_month_stats.granted + excluded.granted, partially_granted = pemda_month_stats.partially_granted + excluded.partially_granted, rejected = pemda_month_stats.rejected + excluded.rejected, not_held = pemda_month_stats.not_held + excluded.not_held, not_yet_documented = pemda_month_stats.not_yet_documented + excluded.not_yet_documented, on_time = pemda_month_stats.on_time + excluded.on_time, on_time_original = pemda_month_stats.on_time_original + excluded.on_time_original, notice_days_sum = pemda_month_stats.notice_days_sum + excluded.notice_days_sum, extended = pemda_month_stats.extended + excluded.extended, delivered = pemda_month_stats.delivered + excluded.delivered, delivery_days_sum = pemda_month_stats.delivery_days_sum + excluded.delivery_days_sum, withholding_registered = pemda_month_stats.withholding_registered + excluded.withholding_registered, withholding_unregistered = pemda_month_stats.withholding_unregistered + excluded.withholding_unregistered, letter_a = pemda_month_stats.letter_a + excluded.letter_a, letter_b = pemda_month_stats.letter_b + excluded.letter_b, letter_c = pemda_month_stats.letter_c + excluded.letter_c, letter_d = pemda_month_stats.letter_d + excluded.letter_d, letter_e = pemda_month_stats.letter_e + excluded.letter_e, letter_f = pemda_month_stats.letter_f + excluded.letter_f, letter_g = pemda_month_stats.letter_g + excluded.letter_g, letter_h = pemda_month_stats.letter_h + excluded.letter_h, letter_i = pemda_month_stats.letter_i + excluded.letter_i, letter_j = pemda_month_stats.letter_j + excluded.letter_j, objections_filed = pemda_month_stats.objections_filed + excluded.objections_filed, objections_decided = pemda_month_stats.objections_decided + excluded.objections_decided, objections_on_time = pemda_month_stats.objections_on_time + excluded.objections_on_time, objections_overturned = pemda_month_stats.objections_overturned + excluded.objections_overturned, disputes_filed = pemda_month_stats.disputes_filed + excluded.disputes_filed, dispute_mediation = pemda_month_stats.dispute_mediation + excluded.dispute_mediation, dispute_granted = pemda_month_stats.dispute_granted + excluded.dispute_granted, dispute_partly_granted = pemda_month_stats.dispute_partly_granted + excluded.dispute_partly_granted, dispute_refused = pemda_month_stats.dispute_refused + excluded.dispute_refused, due_answered = pemda_month_stats.due_answered + excluded.due_answered, due_on_time = pemda_month_stats.due_on_time + excluded.due_on_time, rejected_registered = pemda_month_stats.rejected_registered + excluded.rejected_registered, reanswered = pemda_month_stats.reanswered + excluded.reanswered, reanswered_on_time = pemda_month_stats.reanswered_on_time + excluded.reanswered_on_time, dispute_inadmissible = pemda_month_stats.dispute_inadmissible + excluded.dispute_inadmissible, dispute_withdrawn = pemda_month_stats.dispute_withdrawn + excluded.dispute_withdrawn, delivered_late = pemda_month_stats.delivered_late + excluded.delivered_late;
    RETURN NULL;
END;
$$;
CREATE FUNCTION pemda_cells_updated() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO pemda_month_stats (pemda_id, month, received, withdrawn, decided, granted, partially_granted, rejected, not_held, not_yet_documented, on_time, on_time_original, notice_days_sum, extended, delivered, delivery_days_sum, withholding_registered, withholding_unregistered, letter_a, letter_b, letter_c, letter_d, letter_e, letter_f, letter_g, letter_h, letter_i, letter_j, objections_filed, objections_decided, objections_on_time, objections_overturned, disputes_filed, dispute_mediation, dispute_granted, dispute_partly_granted, dispute_refused, due_answered, due_on_time, rejected_registered, reanswered, reanswered_on_time, dispute_inadmissible, dispute_withdrawn, delivered_late)
    SELECT a.pemda_id, c.month, SUM(c.received - o.received), SUM(c.withdrawn - o.withdrawn), SUM(c.decided - o.decided), SUM(c.granted - o.granted), SUM(c.partially_granted - o.partially_granted), SUM(c.rejected - o.rejected), SUM(c.not_held - o.not_held), SUM(c.not_yet_documented - o.not_yet_documented), SUM(c.on_time - o.on_time), SUM(c.on_time_original - o.on_time_original), SUM(c.notice_days_sum - o.notice_days_sum), SUM(c.extended - o.extended), SUM(c.delivered - o.delivered), SUM(c.delivery_days_sum - o.delivery_days_sum), SUM(c.withholding_registered - o.withholding_registered), SUM(c.withholding_unregistered - o.withholding_unregistered), SUM(c.letter_a - o.letter_a), SUM(c.letter_b - o.letter_b), SUM(c.letter_c - o.letter_c), SUM(c.letter_d - o.letter_d), SUM(c.letter_e - o.letter_e), SUM(c.letter_f - o.letter_f), SUM(c.letter_g - o.letter_g), SUM(c.letter_h - o.letter_h), SUM(c.letter_i - o.letter_i), SUM(c.letter_j - o.letter_j), SUM(c.objections_filed - o.objections_filed), SUM(c.objections_decided - o.objections_decided), SUM(c.objections_on_time - o.objections_on_time), SUM(c.objections_overturned - o.objections_overturned), SUM(c.disputes_filed - o.disputes_filed), SUM(c.dispute_mediation - o.dispute_mediation), SUM(c.dispute_granted - o.dispute_granted), SUM(c.dispute_partly_granted - o.dispute_partly_granted), SUM(c.dispute_refused - o.dispute_refused), SUM(c.due_answered - o.due_answered), SUM(c.due_on_time - o.due_on_time), SUM(c.rejected_registered - o.rejected_registered), SUM(c.reanswered - o.reanswered), SUM(c.reanswered_on_time - o.reanswered_on_time), SUM(c.dispute_inadmissible - o.dispute_inadmissible), SUM(c.dispute_withdrawn - o.dispute_withdrawn), SUM(c.delivered_late - o.delivered_late)
    FROM new_cells c JOIN old_cells o ON o.agency_id = c.agency_id AND o.month = c.month
    JOIN agencies a ON a.id = c.agency_id
    GROUP BY a.pemda_id, c.month
    ON CONFLICT (pemda_id, month) DO UPDATE SET received = pemda_month_stats.received + excluded.received, withdrawn = pemda_month_stats.withdrawn + excluded.withdrawn, decided = pemda_month_stats.decided + excluded.decided, granted = pemda_month_stats.granted + excluded.granted, partially_granted = pemda_month_stats.partially_granted + excluded.partially_granted, rejected = pemda_month_stats.rejected + excluded.rejected, not_held = pemda_month_stats.not_held + excluded.not_held, not_yet_documented = pemda_month_stats.not_yet_documented + excluded.not_yet_documented, on_time = pemda_month_stats.on_time + excluded.on_time, on_time_original = pemda_month_stats.on_time_original + excluded.on_time_original, notice_days_sum = pemda_month_stats.notice_days_sum + excluded.notice_days_sum, extended = pemda_month_stats.extended + excluded.extended, delivered = pemda_month_stats.delivered + excluded.delivered, delivery_days_sum = pemda_month_stats.delivery_days_sum + excluded.delivery_days_sum, withholding_registered = pemda_month_stats.withholding_registered + excluded.withholding_registered, withholding_unregistered = pemda_month_stats.withholding_unregistered + excluded.withholding_unregistered, letter_a = pemda_month_stats.letter_a + excluded.letter_a, letter_b = pemda_month_stats.letter_b + excluded.letter_b, letter_c = pemda_month_stats.letter_c + excluded.letter_c, letter_d = pemda_month_stats.letter_d + excluded.letter_d, letter_e = pemda_month_stats.letter_e + excluded.letter_e, letter_f = pemda_month_stats.letter_f + excluded.letter_f, letter_g = pemda_month_stats.letter_g + excluded.letter_g, letter_h = pemda_month_stats.letter_h + excluded.letter_h, letter_i = pemda_month_stats.letter_i + excluded.letter_i, letter_j = pemda_month_stats.letter_j + excluded.letter_j, objections_filed = pemda_month_stats.objections_filed + excluded.objections_filed, objections_decided = pemda_month_stats.objections_decided + excluded.objections_decided, objections_on_time = pemda_month_stats.objections_on_time + excluded.objections_on_time, objections_overturned = pemda_month_stats.objections_overturned + excluded.objections_overturned, disputes_filed = pemda_month_stats.disputes_filed + excluded.disputes_filed, dispute_mediation = pemda_month_stats.dispute_mediation + excluded.dispute_mediation, dispute_granted = pemda_month_stats.dispute_granted + excluded.dispute_granted, dispute_partly_granted = pemda_month_stats.dispute_partly_granted + excluded.dispute_partly_granted, dispute_refused = pemda_month_stats.dispute_refused + excluded.dispute_refused, due_answered = pemda_month_stats.due_answered + excluded.due_answered, due_on_time = pemda_month_stats.due_on_time + excluded.due_on_time, rejected_registered = pemda_month_stats.rejected_registered + excluded.rejected_registered, reanswered = pemda_month_stats.reanswered + excluded.reanswered, reanswered_on_time = pemda_month_stats.reanswered_on_time + excluded.reanswered_on_time, dispute_inadmissible = pemda_month_stats.dispute_inadmissible + excluded.dispute_inadmissible, dispute_withdrawn = pemda_month_stats.dispute_withdrawn + excluded.dispute_withdrawn, delivered_late = pemda_month_stats.delivered_late + excluded.delivered_late;
    RETURN NULL;
END;
$$;
CREATE FUNCTION pemda_cells_deleted() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO pemda_month_stats (pemda_id, month, received, withdrawn, decided, granted, partially_granted, rejected, not_held, not_yet_documented, on_time, on_time_original, notice_days_sum, extended, delivered, delivery_days_sum, withholding_registered, withholding_unregistered, letter_a, letter_b, letter_c, letter_d, letter_e, letter_f, letter_g, letter_h, letter_i, letter_j, objections_filed, objections_decided, objections_on_time, objections_overturned, disputes_filed, dispute_mediation, dispute_granted, dispute_partly_granted, dispute_refused, due_answered, due_on_time, rejected_registered, reanswered, reanswered_on_time, dispute_inadmissible, dispute_withdrawn, delivered_late)
    SELECT a.pemda_id, c.month, -SUM(c.received), -SUM(c.withdrawn), -SUM(c.decided), -SUM(c.granted), -SUM(c.partially_granted), -SUM(c.rejected), -SUM(c.not_held), -SUM(c.not_yet_documented), -SUM(c.on_time), -SUM(c.on_time_original), -SUM(c.notice_days_sum), -SUM(c.extended), -SUM(c.delivered), -SUM(c.delivery_days_sum), -SUM(c.withholding_registered), -SUM(c.withholding_unregistered), -SUM(c.letter_a), -SUM(c.letter_b), -SUM(c.letter_c), -SUM(c.letter_d), -SUM(c.letter_e), -SUM(c.letter_f), -SUM(c.letter_g), -SUM(c.letter_h), -SUM(c.letter_i), -SUM(c.letter_j), -SUM(c.objections_filed), -SUM(c.objections_decided), -SUM(c.objections_on_time), -SUM(c.objections_overturned), -SUM(c.disputes_filed), -SUM(c.dispute_mediation), -SUM(c.dispute_granted), -SUM(c.dispute_partly_granted), -SUM(c.dispute_refused), -SUM(c.due_answered), -SUM(c.due_on_time), -SUM(c.rejected_registered), -SUM(c.reanswered), -SUM(c.reanswered_on_time), -SUM(c.dispute_inadmissible), -SUM(c.dispute_withdrawn), -SUM(c.delivered_late)
    FROM old_cells c JOIN agencies a ON a.id = c.agency_id
    GROUP BY a.pemda_id, c.month
    ON CONFLICT (pemda_id, month) DO UPDATE SET received = pemda_month_stats.received + excluded.received, withdrawn = pemda_month_stats.withdrawn + excluded.withdrawn, decided = pemda_month_stats.decided + excluded.decided, granted = pemda_month_stats.granted + excluded.granted, partially_granted = pemda_month_stats.partially_granted + excluded.partially_granted, rejected = pemda_month_stats.rejected + excluded.rejected, not_held = pemda_month_stats.not_held + excluded.not_held, not_yet_documented = pemda_month_stats.not_yet_documented + excluded.not_yet_documented, on_time = pemda_month_stats.on_time + excluded.on_time, on_time_original = pemda_month_stats.on_time_original + excluded.on_time_original, notice_days_sum = pemda_month_stats.notice_days_sum + excluded.notice_days_sum, extended = pemda_month_stats.extended + excluded.extended, delivered = pemda_month_stats.delivered + excluded.delivered, delivery_days_sum = pemda_month_stats.delivery_days_sum + excluded.delivery_days_sum, withholding_registered = pemda_month_stats.withholding_registered + excluded.withholding_registered, withholding_unregistered = pemda_month_stats.withholding_unregistered + excluded.withholding_unregistered, letter_a = pemda_month_stats.letter_a + excluded.letter_a, letter_b = pemda_month_stats.letter_b + excluded.letter_b, letter_c = pemda_month_stats.letter_c + excluded.letter_c, letter_d = pemda_month_stats.letter_d + excluded.letter_d, letter_e = pemda_month_stats.letter_e + excluded.letter_e, letter_f = pemda_month_stats.letter_f + excluded.letter_f, letter_g = pemda_month_stats.letter_g + excluded.letter_g, letter_h = pemda_month_stats.letter_h + excluded.letter_h, letter_i = pemda_month_stats.letter_i + excluded.letter_i, letter_j = pemda_month_stats.letter_j + excluded.letter_j, objections_filed = pemda_month_stats.objections_filed + excluded.objections_filed, objections_decided = pemda_month_stats.objections_decided + excluded.objections_decided, objections_on_time = pemda_month_stats.objections_on_time + excluded.objections_on_time, objections_overturned = pemda_month_stats.objections_overturned + excluded.objections_overturned, disputes_filed = pemda_month_stats.disputes_filed + excluded.disputes_filed, dispute_mediation = pemda_month_stats.dispute_mediation + excluded.dispute_mediation, dispute_granted = pemda_month_stats.dispute_granted + excluded.dispute_granted, dispute_partly_granted = pemda_month_stats.dispute_partly_granted + excluded.dispute_partly_granted, dispute_refused = pemda_month_stats.dispute_refused + excluded.dispute_refused, due_answered = pemda_month_stats.due_answered + excluded.due_answered, due_on_time = pemda_month_stats.due_on_time + excluded.due_on_time, rejected_registered = pemda_month_stats.rejected_registered + excluded.rejected_registered, reanswered = pemda_month_stats.reanswered + excluded.reanswered, reanswered_on_time = pemda_month_stats.reanswered_on_time + excluded.reanswered_on_time, dispute_inadmissible = pemda_month_stats.dispute_inadmissible + excluded.dispute_inadmissible, dispute_withdrawn = pemda_month_stats.dispute_withdrawn + excluded.dispute_withdrawn, delivered_late = pemda_month_stats.delivered_late + excluded.delivered_late;
    RETURN NULL;
END;
$$;
-- PostgreSQL allows transition tables only on a trigger of one event.
CREATE TRIGGER pemda_cells_insert AFTER INSERT ON agency_month_stats
    REFERENCING NEW TABLE AS new_cells
    FOR EACH STATEMENT EXECUTE FUNCTION pemda_cells_inserted();
CREATE TRIGGER pemda_cells_update AFTER UPDATE ON agency_month_stats
    REFERENCING OLD TABLE AS old_cells NEW TABLE AS new_cells
    FOR EACH STATEMENT EXECUTE FUNCTION pemda_cells_updated();
CREATE TRIGGER pemda_cells_delete AFTER DELETE ON agency_month_stats
    REFERENCING OLD TABLE AS old_cells
    FOR EACH STATEMENT EXECUTE FUNCTION pemda_cells_deleted();

DROP TRIGGER pemda_hist ON agency_month_hist;
DROP FUNCTION pemda_hist();
CREATE FUNCTION pemda_hist_inserted() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO pemda_month_hist (pemda_id, month, span, days, count)
    SELECT a.pemda_id, c.month, c.span, c.days, SUM(c.count)
    FROM new_cells c JOIN agencies a ON a.id = c.agency_id
    GROUP BY a.pemda_id, c.month, c.span, c.days
    ON CONFLICT (pemda_id, month, span, days)
    DO UPDATE SET count = pemda_month_hist.count + excluded.count;
    RETURN NULL;
END;
$$;
CREATE FUNCTION pemda_hist_updated() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO pemda_month_hist (pemda_id, month, span, days, count)
    SELECT a.pemda_id, c.month, c.span, c.days, SUM(c.count - o.count)
    FROM new_cells c JOIN old_cells o ON o.agency_id = c.agency_id AND o.month = c.month
        AND o.span = c.span AND o.days = c.days
    JOIN agencies a ON a.id = c.agency_id
    GROUP BY a.pemda_id, c.month, c.span, c.days
    ON CONFLICT (pemda_id, month, span, days)
    DO UPDATE SET count = pemda_month_hist.count + excluded.count;
    RETURN NULL;
END;
$$;
CREATE FUNCTION pemda_hist_deleted() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO pemda_month_hist (pemda_id, month, span, days, count)
    SELECT a.pemda_id, c.month, c.span, c.days, -SUM(c.count)
    FROM old_cells c JOIN agencies a ON a.id = c.agency_id
    GROUP BY a.pemda_id, c.month, c.span, c.days
    ON CONFLICT (pemda_id, month, span, days)
    DO UPDATE SET count = pemda_month_hist.count + excluded.count;
    RETURN NULL;
END;
$$;
CREATE TRIGGER pemda_hist_insert AFTER INSERT ON agency_month_hist
    REFERENCING NEW TABLE AS new_cells
    FOR EACH STATEMENT EXECUTE FUNCTION pemda_hist_inserted();
CREATE TRIGGER pemda_hist_update AFTER UPDATE ON agency_month_hist
    REFERENCING OLD TABLE AS old_cells NEW TABLE AS new_cells
    FOR EACH STATEMENT EXECUTE FUNCTION pemda_hist_updated();
CREATE TRIGGER pemda_hist_delete AFTER DELETE ON agency_month_hist
    REFERENCING OLD TABLE AS old_cells
    FOR EACH STATEMENT EXECUTE FUNCTION pemda_hist_deleted();
