-- API keys: only a SHA-256 hash of each token is kept. A key with no agency
-- is the operator's (global admin, or a reader of everything).
CREATE TABLE api_keys (
    id          TEXT PRIMARY KEY,
    name        TEXT NOT NULL,
    role        TEXT NOT NULL,
    agency_id   TEXT REFERENCES agencies (id),
    token_hash  TEXT NOT NULL UNIQUE,
    create_time BIGINT NOT NULL,
    created_by  TEXT NOT NULL,
    revoke_time BIGINT
);

-- The key that submitted a request: an intake system reads back only its own.
ALTER TABLE requests ADD COLUMN submitted_by TEXT;
CREATE INDEX requests_by_submitter ON requests (submitted_by, receive_time DESC, id DESC);

-- Secrets made on first start and shared by every process of the database
-- (the key that derives public tracking codes).
CREATE TABLE server_secrets (
    name  TEXT PRIMARY KEY,
    value TEXT NOT NULL
);
