-- Accounts with a lifecycle: a disabled user cannot sign in and their
-- tokens and sessions end at once; API tokens expire (90 days unless
-- issued otherwise). Tokens issued before this migration expire 90 days
-- after they were issued.
ALTER TABLE users ADD COLUMN disabled_at timestamptz;
ALTER TABLE api_tokens ADD COLUMN expires_at timestamptz;
UPDATE api_tokens SET expires_at = created_at + interval '90 days';
ALTER TABLE api_tokens ALTER COLUMN expires_at SET NOT NULL;
