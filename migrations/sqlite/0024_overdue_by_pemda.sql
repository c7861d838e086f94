-- A ranking of whole Pemdas counts each one's requests overdue without a
-- notice (a late answer not yet in the cells): from this index alone, over
-- the requests whose clock runs, not by reading every pending request's row.
CREATE INDEX requests_unanswered_by_pemda ON requests (pemda_id, due_date, due_end_time)
    WHERE state = 'pending' AND first_notice IS NULL;
