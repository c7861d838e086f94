-- A published annual report as people read it on the portal: the page in
-- Indonesian and in English, rendered once at publication, so the public
-- page shows what was published. Empty for reports published before.
ALTER TABLE report_publications ADD COLUMN page_id TEXT;
ALTER TABLE report_publications ADD COLUMN page_en TEXT;
