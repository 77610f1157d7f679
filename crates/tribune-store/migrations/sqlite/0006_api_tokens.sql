-- Personal API tokens of journalists, editors and admins, for scripts and apps. Looked up by
-- the SHA-256 of the secret (hex); the secret itself is shown once and never stored.
-- Times are unix milliseconds (UTC).
CREATE TABLE api_tokens (
    id            INTEGER PRIMARY KEY,
    account_id    INTEGER NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
    name          TEXT NOT NULL,
    token_hash    TEXT NOT NULL UNIQUE,
    created_at    INTEGER NOT NULL,
    last_used_at  INTEGER,
    revoked_at    INTEGER
);
CREATE INDEX api_tokens_by_account ON api_tokens(account_id, created_at);
