-- Timeliness counts an answered request in the month its lawful due date
-- falls in (so an unanswered one past due is late in the same month), and
-- fulfilment leaves out rejections resting on DIK entries in force. The
-- columns are filled from the register by the server on first open
-- (store::figures::backfill_counters), which needs each agency's zone.
ALTER TABLE agency_month_stats ADD COLUMN due_answered BIGINT NOT NULL DEFAULT 0;
ALTER TABLE agency_month_stats ADD COLUMN due_on_time BIGINT NOT NULL DEFAULT 0;
ALTER TABLE agency_month_stats ADD COLUMN rejected_registered BIGINT NOT NULL DEFAULT 0;
