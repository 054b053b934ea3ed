-- Accounts with a lifecycle: a disabled user cannot sign in and their
-- tokens and sessions end at once; API tokens expire (90 days unless
-- issued otherwise). Tokens issued before this migration expire 90 days
-- after they were issued. 7776000000000 is 90 days in microseconds.
ALTER TABLE users ADD COLUMN disabled_at INTEGER;
ALTER TABLE api_tokens ADD COLUMN expires_at INTEGER NOT NULL DEFAULT 0;
UPDATE api_tokens SET expires_at = created_at + 7776000000000;
