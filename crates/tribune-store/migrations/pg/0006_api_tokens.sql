-- Personal API tokens of journalists, editors and admins, for scripts and apps. Looked up by
-- the SHA-256 of the secret (hex); the secret itself is shown once and never stored.
-- Mirrors 0006_api_tokens.sql of the SQLite store.
CREATE TABLE api_tokens (
    id            BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    account_id    BIGINT NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
    name          TEXT NOT NULL,
    token_hash    TEXT COLLATE "C" NOT NULL UNIQUE,
    created_at    TIMESTAMPTZ NOT NULL,
    last_used_at  TIMESTAMPTZ,
    revoked_at    TIMESTAMPTZ
);
CREATE INDEX api_tokens_by_account ON api_tokens(account_id, created_at);
