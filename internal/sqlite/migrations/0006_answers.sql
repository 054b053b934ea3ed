-- The agency's answers reach the referring specialist: answered_at is set
-- with each event the agency makes through its link, answer_seen_at when
-- the specialist opens the referral, so an answer after it is unread.
-- Answers recorded before this migration count as seen. answer_mail holds
-- the specialists who asked to be emailed each answer (in lang, to email),
-- and the outbox takes that email's kind; SQLite cannot change a CHECK, so
-- the outbox is rebuilt with the same columns, rows and indexes.
ALTER TABLE referrals ADD COLUMN answered_at INTEGER;
ALTER TABLE referrals ADD COLUMN answer_seen_at INTEGER;
UPDATE referrals SET answered_at = (SELECT MAX(e.at) FROM referral_events e
    WHERE e.referral_id = referrals.id AND e.actor_kind = 'agency');
UPDATE referrals SET answer_seen_at = answered_at;
CREATE INDEX referrals_unread ON referrals (specialist_id) WHERE answered_at IS NOT NULL;

CREATE TABLE answer_mail (
    user_id TEXT PRIMARY KEY REFERENCES users (id) ON DELETE CASCADE,
    email   TEXT NOT NULL,
    lang    TEXT NOT NULL CHECK (lang IN ('en', 'es'))
);

CREATE TABLE outbox_new (
    id              TEXT PRIMARY KEY,
    kind            TEXT NOT NULL CHECK (kind IN ('agency_referral', 'agency_answer')),
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
INSERT INTO outbox_new (id, kind, referral_id, event_id, recipient, reply_to, subject, body, created_at, next_attempt_at,
        attempts, lease_owner, lease_until, sent_at, failed_at, cancelled_at, last_error)
    SELECT id, kind, referral_id, event_id, recipient, reply_to, subject, body, created_at, next_attempt_at,
        attempts, lease_owner, lease_until, sent_at, failed_at, cancelled_at, last_error FROM outbox;
DROP TABLE outbox;
ALTER TABLE outbox_new RENAME TO outbox;
CREATE INDEX outbox_due ON outbox (next_attempt_at)
    WHERE sent_at IS NULL AND failed_at IS NULL AND cancelled_at IS NULL;
CREATE INDEX outbox_referral ON outbox (referral_id);
