-- Figures: counts per agency and agency-local month, kept exact by adding
-- each change's contributions (domain::stats); distributions of working days
-- per month; scoring policies per year; self-assessments; published rankings.

ALTER TABLE requests ADD COLUMN deliver_working_days INTEGER;

CREATE TABLE agency_month_stats (
    agency_id                TEXT NOT NULL,
    month                    TEXT NOT NULL,
    received                 INTEGER NOT NULL DEFAULT 0,
    withdrawn                INTEGER NOT NULL DEFAULT 0,
    decided                  INTEGER NOT NULL DEFAULT 0,
    granted                  INTEGER NOT NULL DEFAULT 0,
    partially_granted        INTEGER NOT NULL DEFAULT 0,
    rejected                 INTEGER NOT NULL DEFAULT 0,
    not_held                 INTEGER NOT NULL DEFAULT 0,
    not_yet_documented       INTEGER NOT NULL DEFAULT 0,
    on_time                  INTEGER NOT NULL DEFAULT 0,
    on_time_original         INTEGER NOT NULL DEFAULT 0,
    notice_days_sum          INTEGER NOT NULL DEFAULT 0,
    extended                 INTEGER NOT NULL DEFAULT 0,
    delivered                INTEGER NOT NULL DEFAULT 0,
    delivery_days_sum        INTEGER NOT NULL DEFAULT 0,
    withholding_registered   INTEGER NOT NULL DEFAULT 0,
    withholding_unregistered INTEGER NOT NULL DEFAULT 0,
    letter_a                 INTEGER NOT NULL DEFAULT 0,
    letter_b                 INTEGER NOT NULL DEFAULT 0,
    letter_c                 INTEGER NOT NULL DEFAULT 0,
    letter_d                 INTEGER NOT NULL DEFAULT 0,
    letter_e                 INTEGER NOT NULL DEFAULT 0,
    letter_f                 INTEGER NOT NULL DEFAULT 0,
    letter_g                 INTEGER NOT NULL DEFAULT 0,
    letter_h                 INTEGER NOT NULL DEFAULT 0,
    letter_i                 INTEGER NOT NULL DEFAULT 0,
    letter_j                 INTEGER NOT NULL DEFAULT 0,
    objections_filed         INTEGER NOT NULL DEFAULT 0,
    objections_decided       INTEGER NOT NULL DEFAULT 0,
    objections_on_time       INTEGER NOT NULL DEFAULT 0,
    objections_overturned    INTEGER NOT NULL DEFAULT 0,
    disputes_filed           INTEGER NOT NULL DEFAULT 0,
    dispute_mediation        INTEGER NOT NULL DEFAULT 0,
    dispute_granted          INTEGER NOT NULL DEFAULT 0,
    dispute_partly_granted   INTEGER NOT NULL DEFAULT 0,
    dispute_refused          INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (agency_id, month)
);
CREATE INDEX agency_month_stats_by_month ON agency_month_stats (month, agency_id);

CREATE TABLE agency_month_hist (
    agency_id TEXT NOT NULL,
    month     TEXT NOT NULL,
    span      TEXT NOT NULL,
    days      INTEGER NOT NULL,
    count     INTEGER NOT NULL,
    PRIMARY KEY (agency_id, month, span, days)
);

CREATE TABLE scoring_policies (
    year        INTEGER NOT NULL,
    version     INTEGER NOT NULL,
    policy      TEXT NOT NULL,
    create_time INTEGER NOT NULL,
    PRIMARY KEY (year, version)
);

CREATE TABLE assessments (
    agency_id   TEXT NOT NULL REFERENCES agencies (id),
    year        INTEGER NOT NULL,
    items       TEXT NOT NULL,
    update_time INTEGER NOT NULL,
    PRIMARY KEY (agency_id, year)
);

CREATE TABLE ranking_snapshots (
    group_key      TEXT NOT NULL,
    period         TEXT NOT NULL,
    policy_version INTEGER NOT NULL,
    snapshot       TEXT NOT NULL,
    publish_time   INTEGER NOT NULL,
    PRIMARY KEY (group_key, period)
);

CREATE INDEX requests_open_by_receipt ON requests (state, receive_time);
