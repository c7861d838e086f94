-- Facts about the deployment that, once true, stay true. `api_keys_exist`:
-- a key was created at some time, so open mode (every keyless caller is the
-- operator) never returns, even after every key is revoked.
CREATE TABLE server_facts (
    name  TEXT PRIMARY KEY,
    since INTEGER NOT NULL
);
INSERT INTO server_facts (name, since)
SELECT 'api_keys_exist', MIN(create_time) FROM api_keys HAVING COUNT(*) > 0;
