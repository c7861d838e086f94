-- The annual report's Pasal 17 table: rejections and partial grants of a set
-- of agencies noticed in a year, grouped by letters. Partial, so intake and
-- most answers never touch it; covering, so the report reads no table rows.
CREATE INDEX requests_withheld ON requests (agency_id, outcome, notice_time, exemption_letters)
    WHERE outcome IN ('rejected', 'partially_granted');
