-- Worklists and GetWorkload take a subtree's requests in running-deadline
-- order (the notice's while pending, delivery's once answered with
-- information: store::report's DEADLINE_KEY, the same expression). Ids and
-- keys come from this index alone, the page is taken by key, and only that
-- page's rows are read (1M requests, a Pemda's 12,200 running deadlines due
-- within 2 working days: the rows of all of them were fetched and sorted).
-- The columns the filters test are included, so the scan stays index-only.
CREATE INDEX requests_running_deadlines ON requests (agency_path,
    (COALESCE(CASE WHEN state = 'pending' THEN due_end_time
                   WHEN state = 'responded' THEN delivery_due_end_time END,
              9223372036854775807)), id)
    INCLUDE (state, due_end_time, delivery_due_end_time)
    WHERE (state = 'pending' AND due_end_time IS NOT NULL)
       OR (state = 'responded' AND delivery_due_end_time IS NOT NULL);

-- The atasan's unanswered objections in a subtree (GetWorkload counts them
-- and lists the first by answer due date): from this index, not a scan of
-- every objection.
CREATE INDEX objections_undecided ON objections (agency_path, answer_due_date, id)
    WHERE decision IS NULL;
