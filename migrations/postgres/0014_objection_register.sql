-- The objection register records every objection received (UU KIP Pasal
-- 35-36): each ground's admissibility as computed at filing, objections on
-- ground b without a request (request_id NULL; their history is kept on the
-- objection), receipt dates, what an overturn did, and the dispute window as
-- stored (moved by holiday edits like any deadline). A request keeps its
-- first written notice when an overturn sends it back (Pasal 12(b)).
ALTER TABLE requests ADD COLUMN return_time BIGINT;
ALTER TABLE requests ADD COLUMN notice_receipt_date TEXT;
ALTER TABLE requests ADD COLUMN first_notice TEXT;

ALTER TABLE agency_month_stats ADD COLUMN reanswered BIGINT NOT NULL DEFAULT 0;
ALTER TABLE agency_month_stats ADD COLUMN reanswered_on_time BIGINT NOT NULL DEFAULT 0;
ALTER TABLE agency_month_stats ADD COLUMN dispute_inadmissible BIGINT NOT NULL DEFAULT 0;
ALTER TABLE agency_month_stats ADD COLUMN dispute_withdrawn BIGINT NOT NULL DEFAULT 0;

ALTER TABLE objections ALTER COLUMN request_id DROP NOT NULL;
ALTER TABLE objections ADD COLUMN unpublished_information TEXT;
ALTER TABLE objections ADD COLUMN ground_checks TEXT;
ALTER TABLE objections ADD COLUMN answer_receipt_date TEXT;
ALTER TABLE objections ADD COLUMN dispute_window_start TEXT;
ALTER TABLE objections ADD COLUMN dispute_window_due TEXT;
ALTER TABLE objections ADD COLUMN corrected_fee_rupiah BIGINT;
ALTER TABLE objections ADD COLUMN refund_rupiah BIGINT;
ALTER TABLE objections ADD COLUMN history TEXT;
ALTER TABLE disputes ALTER COLUMN request_id DROP NOT NULL;
ALTER TABLE disputes ADD COLUMN filing_timing TEXT NOT NULL DEFAULT 'within_window';
ALTER TABLE disputes ADD COLUMN stage TEXT NOT NULL DEFAULT 'registered';
ALTER TABLE disputes ADD COLUMN steps TEXT;
ALTER TABLE disputes ADD COLUMN agency_path TEXT COLLATE "C";
UPDATE disputes SET stage = 'decided' WHERE outcome IS NOT NULL;
UPDATE disputes SET agency_path = (SELECT o.agency_path FROM objections o WHERE o.id = disputes.objection_id);
CREATE INDEX disputes_by_time ON disputes (file_time DESC, id DESC);
