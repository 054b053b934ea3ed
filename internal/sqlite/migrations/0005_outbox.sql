-- The notification outbox: emails queued in the same transaction as the
-- event they tell of (one of each kind per event), sent by a worker that
-- leases a batch (lease_owner until lease_until), retries with backoff
-- (attempts, next_attempt_at, last_error), and erases the body, which
-- holds the agency's link, once the mail is sent, failed for good or
-- cancelled (the referral closed or its consent was withdrawn first).
CREATE TABLE outbox (
    id              TEXT PRIMARY KEY,
    kind            TEXT NOT NULL CHECK (kind IN ('agency_referral')),
    referral_id     TEXT NOT NULL REFERENCES referrals (id) ON DELETE CASCADE,
    event_id        TEXT NOT NULL,
    recipient       TEXT NOT NULL,
    reply_to        TEXT NOT NULL DEFAULT '',
    subject         TEXT NOT NULL,
    body            TEXT NOT NULL,
    created_at      INTEGER NOT NULL,
    next_attempt_at INTEGER NOT NULL,
    attempts        INTEGER NOT NULL DEFAULT 0,
    lease_owner     TEXT NOT NULL DEFAULT '',
    lease_until     INTEGER,
    sent_at         INTEGER,
    failed_at       INTEGER,
    cancelled_at    INTEGER,
    last_error      TEXT NOT NULL DEFAULT '',
    UNIQUE (event_id, kind)
);
CREATE INDEX outbox_due ON outbox (next_attempt_at)
    WHERE sent_at IS NULL AND failed_at IS NULL AND cancelled_at IS NULL;
CREATE INDEX outbox_referral ON outbox (referral_id);
