-- Lists carried away by QR code or text message behind a short random
-- code: the ids of the services on the list, comma separated, and when
-- the list expires. Nothing about the person who made it.
CREATE TABLE short_lists (
    code       TEXT PRIMARY KEY,
    ids        TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    expires_at INTEGER NOT NULL
);
CREATE INDEX short_lists_expiry ON short_lists (expires_at);
