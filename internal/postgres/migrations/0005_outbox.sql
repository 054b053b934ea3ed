-- The notification outbox: emails queued in the same transaction as the
-- event they tell of (one of each kind per event), sent by a worker that
-- leases a batch (lease_owner until lease_until; SELECT ... FOR UPDATE
-- SKIP LOCKED keeps instances off each other's rows), retries with
-- backoff (attempts, next_attempt_at, last_error), and erases the body,
-- which holds the agency's link, once the mail is sent, failed for good
-- or cancelled (the referral closed or its consent was withdrawn first).
CREATE TABLE outbox (
    id              text PRIMARY KEY,
    kind            text NOT NULL CHECK (kind IN ('agency_referral')),
    referral_id     text NOT NULL REFERENCES referrals (id) ON DELETE CASCADE,
    event_id        text NOT NULL,
    recipient       text NOT NULL,
    reply_to        text NOT NULL DEFAULT '',
    subject         text NOT NULL,
    body            text NOT NULL,
    created_at      timestamptz NOT NULL,
    next_attempt_at timestamptz NOT NULL,
    attempts        integer NOT NULL DEFAULT 0,
    lease_owner     text NOT NULL DEFAULT '',
    lease_until     timestamptz,
    sent_at         timestamptz,
    failed_at       timestamptz,
    cancelled_at    timestamptz,
    last_error      text NOT NULL DEFAULT '',
    UNIQUE (event_id, kind)
);
CREATE INDEX outbox_due ON outbox (next_attempt_at)
    WHERE sent_at IS NULL AND failed_at IS NULL AND cancelled_at IS NULL;
CREATE INDEX outbox_referral ON outbox (referral_id);
