-- Figures: counts per agency and agency-local month, kept exact by adding
-- each change's contributions (domain::stats); distributions of working days
-- per month; scoring policies per year; self-assessments; published rankings.

ALTER TABLE requests ADD COLUMN deliver_working_days BIGINT;

CREATE TABLE agency_month_stats (
    agency_id                TEXT NOT NULL,
    month                    TEXT NOT NULL,
    received                 BIGINT NOT NULL DEFAULT 0,
    withdrawn                BIGINT NOT NULL DEFAULT 0,
    decided                  BIGINT NOT NULL DEFAULT 0,
    granted                  BIGINT NOT NULL DEFAULT 0,
    partially_granted        BIGINT NOT NULL DEFAULT 0,
    rejected                 BIGINT NOT NULL DEFAULT 0,
    not_held                 BIGINT NOT NULL DEFAULT 0,
    not_yet_documented       BIGINT NOT NULL DEFAULT 0,
    on_time                  BIGINT NOT NULL DEFAULT 0,
    on_time_original         BIGINT NOT NULL DEFAULT 0,
    notice_days_sum          BIGINT NOT NULL DEFAULT 0,
    extended                 BIGINT NOT NULL DEFAULT 0,
    delivered                BIGINT NOT NULL DEFAULT 0,
    delivery_days_sum        BIGINT NOT NULL DEFAULT 0,
    withholding_registered   BIGINT NOT NULL DEFAULT 0,
    withholding_unregistered BIGINT NOT NULL DEFAULT 0,
    letter_a                 BIGINT NOT NULL DEFAULT 0,
    letter_b                 BIGINT NOT NULL DEFAULT 0,
    letter_c                 BIGINT NOT NULL DEFAULT 0,
    letter_d                 BIGINT NOT NULL DEFAULT 0,
    letter_e                 BIGINT NOT NULL DEFAULT 0,
    letter_f                 BIGINT NOT NULL DEFAULT 0,
    letter_g                 BIGINT NOT NULL DEFAULT 0,
    letter_h                 BIGINT NOT NULL DEFAULT 0,
    letter_i                 BIGINT NOT NULL DEFAULT 0,
    letter_j                 BIGINT NOT NULL DEFAULT 0,
    objections_filed         BIGINT NOT NULL DEFAULT 0,
    objections_decided       BIGINT NOT NULL DEFAULT 0,
    objections_on_time       BIGINT NOT NULL DEFAULT 0,
    objections_overturned    BIGINT NOT NULL DEFAULT 0,
    disputes_filed           BIGINT NOT NULL DEFAULT 0,
    dispute_mediation        BIGINT NOT NULL DEFAULT 0,
    dispute_granted          BIGINT NOT NULL DEFAULT 0,
    dispute_partly_granted   BIGINT NOT NULL DEFAULT 0,
    dispute_refused          BIGINT NOT NULL DEFAULT 0,
    PRIMARY KEY (agency_id, month)
);
CREATE INDEX agency_month_stats_by_month ON agency_month_stats (month, agency_id);

CREATE TABLE agency_month_hist (
    agency_id TEXT NOT NULL,
    month     TEXT NOT NULL,
    span      TEXT NOT NULL,
    days      BIGINT NOT NULL,
    count     BIGINT NOT NULL,
    PRIMARY KEY (agency_id, month, span, days)
);

CREATE TABLE scoring_policies (
    year        BIGINT NOT NULL,
    version     BIGINT NOT NULL,
    policy      TEXT NOT NULL,
    create_time BIGINT NOT NULL,
    PRIMARY KEY (year, version)
);

CREATE TABLE assessments (
    agency_id   TEXT NOT NULL REFERENCES agencies (id),
    year        BIGINT NOT NULL,
    items       TEXT NOT NULL,
    update_time BIGINT NOT NULL,
    PRIMARY KEY (agency_id, year)
);

CREATE TABLE ranking_snapshots (
    group_key      TEXT NOT NULL,
    period         TEXT NOT NULL,
    policy_version BIGINT NOT NULL,
    snapshot       TEXT NOT NULL,
    publish_time   BIGINT NOT NULL,
    PRIMARY KEY (group_key, period)
);

CREATE INDEX requests_open_by_receipt ON requests (state, receive_time);
