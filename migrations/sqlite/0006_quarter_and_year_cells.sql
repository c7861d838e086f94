-- Quarter (YYYY-Qn) and year (YYYY) cells from the monthly cells kept so far;
-- from now on every change writes all three.

INSERT INTO agency_month_stats (agency_id, month, received, withdrawn, decided, granted, partially_granted, rejected, not_held, not_yet_documented, on_time, on_time_original, notice_days_sum, extended, delivered, delivery_days_sum, withholding_registered, withholding_unregistered, letter_a, letter_b, letter_c, letter_d, letter_e, letter_f, letter_g, letter_h, letter_i, letter_j, objections_filed, objections_decided, objections_on_time, objections_overturned, disputes_filed, dispute_mediation, dispute_granted, dispute_partly_granted, dispute_refused)
SELECT agency_id, substr(month, 1, 4), SUM(received), SUM(withdrawn), SUM(decided), SUM(granted), SUM(partially_granted), SUM(rejected), SUM(not_held), SUM(not_yet_documented), SUM(on_time), SUM(on_time_original), SUM(notice_days_sum), SUM(extended), SUM(delivered), SUM(delivery_days_sum), SUM(withholding_registered), SUM(withholding_unregistered), SUM(letter_a), SUM(letter_b), SUM(letter_c), SUM(letter_d), SUM(letter_e), SUM(letter_f), SUM(letter_g), SUM(letter_h), SUM(letter_i), SUM(letter_j), SUM(objections_filed), SUM(objections_decided), SUM(objections_on_time), SUM(objections_overturned), SUM(disputes_filed), SUM(dispute_mediation), SUM(dispute_granted), SUM(dispute_partly_granted), SUM(dispute_refused)
FROM agency_month_stats WHERE length(month) = 7
GROUP BY agency_id, substr(month, 1, 4)
ON CONFLICT (agency_id, month) DO NOTHING;

INSERT INTO agency_month_hist (agency_id, month, span, days, count)
SELECT agency_id, substr(month, 1, 4), span, days, SUM(count)
FROM agency_month_hist WHERE length(month) = 7
GROUP BY agency_id, substr(month, 1, 4), span, days
ON CONFLICT (agency_id, month, span, days) DO NOTHING;

INSERT INTO agency_month_stats (agency_id, month, received, withdrawn, decided, granted, partially_granted, rejected, not_held, not_yet_documented, on_time, on_time_original, notice_days_sum, extended, delivered, delivery_days_sum, withholding_registered, withholding_unregistered, letter_a, letter_b, letter_c, letter_d, letter_e, letter_f, letter_g, letter_h, letter_i, letter_j, objections_filed, objections_decided, objections_on_time, objections_overturned, disputes_filed, dispute_mediation, dispute_granted, dispute_partly_granted, dispute_refused)
SELECT agency_id, substr(month, 1, 4) || '-Q' || ((CAST(substr(month, 6, 2) AS INTEGER) - 1) / 3 + 1), SUM(received), SUM(withdrawn), SUM(decided), SUM(granted), SUM(partially_granted), SUM(rejected), SUM(not_held), SUM(not_yet_documented), SUM(on_time), SUM(on_time_original), SUM(notice_days_sum), SUM(extended), SUM(delivered), SUM(delivery_days_sum), SUM(withholding_registered), SUM(withholding_unregistered), SUM(letter_a), SUM(letter_b), SUM(letter_c), SUM(letter_d), SUM(letter_e), SUM(letter_f), SUM(letter_g), SUM(letter_h), SUM(letter_i), SUM(letter_j), SUM(objections_filed), SUM(objections_decided), SUM(objections_on_time), SUM(objections_overturned), SUM(disputes_filed), SUM(dispute_mediation), SUM(dispute_granted), SUM(dispute_partly_granted), SUM(dispute_refused)
FROM agency_month_stats WHERE length(month) = 7
GROUP BY agency_id, substr(month, 1, 4) || '-Q' || ((CAST(substr(month, 6, 2) AS INTEGER) - 1) / 3 + 1)
ON CONFLICT (agency_id, month) DO NOTHING;

INSERT INTO agency_month_hist (agency_id, month, span, days, count)
SELECT agency_id, substr(month, 1, 4) || '-Q' || ((CAST(substr(month, 6, 2) AS INTEGER) - 1) / 3 + 1), span, days, SUM(count)
FROM agency_month_hist WHERE length(month) = 7
GROUP BY agency_id, substr(month, 1, 4) || '-Q' || ((CAST(substr(month, 6, 2) AS INTEGER) - 1) / 3 + 1), span, days
ON CONFLICT (agency_id, month, span, days) DO NOTHING;
