-- A granted or partly granted request is delivered by the date its notice
-- states (or the documented default): past it, it is overdue for delivery.
-- The instant is kept beside the notice so overdue lists read an index.
ALTER TABLE requests ADD COLUMN delivery_due_end_time INTEGER;
CREATE INDEX requests_awaiting_delivery ON requests (agency_path, delivery_due_end_time)
    WHERE state = 'responded' AND delivery_due_end_time IS NOT NULL;
ALTER TABLE agency_month_stats ADD COLUMN delivered_late INTEGER NOT NULL DEFAULT 0;
