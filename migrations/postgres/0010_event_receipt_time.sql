-- Events carry their request's receipt time, which orders them on SQLite
-- (its migration 0012). Both backends write and read the same columns;
-- here the key stays (request_id, sequence).
ALTER TABLE request_events ADD COLUMN request_receive_time BIGINT;
UPDATE request_events e SET request_receive_time = r.receive_time
FROM requests r WHERE r.id = e.request_id;
ALTER TABLE request_events ALTER COLUMN request_receive_time SET NOT NULL;
