-- Each entry carries its versions' dates and whether each was online
-- ("2026-01-10:1,2026-04-24:0"), so coverage for a ranking reads the
-- entries of its agencies by index and never joins the version history.
ALTER TABLE dip_entries ADD COLUMN version_dates TEXT NOT NULL DEFAULT '';
UPDATE dip_entries SET version_dates = COALESCE((
    SELECT group_concat(d, ',') FROM (
        SELECT v.publish_date || ':' || (CASE WHEN v.url IS NULL THEN '0' ELSE '1' END) AS d
        FROM dip_versions v WHERE v.entry_id = dip_entries.id ORDER BY v.number
    )
), '');
