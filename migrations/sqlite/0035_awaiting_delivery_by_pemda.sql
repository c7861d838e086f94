-- National scale (#26): a Pemda's answers whose delivery falls due this
-- month, by its id and the due instant. Without it a Pemda's "overdue for
-- delivery now" read every answer awaiting delivery under its path (21,000
-- in a Pemda of 50,000 requests). Partial: a new request is not in it.
CREATE INDEX requests_awaiting_delivery_by_pemda ON requests (pemda_id, delivery_due_end_time)
    WHERE state = 'responded' AND delivery_due_end_time IS NOT NULL;
