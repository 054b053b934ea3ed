-- Trellis schema for SQLite. Times are INTEGER microseconds since the Unix
-- epoch (UTC), written by the driver from time.Time
-- (_time_integer_format=unix_micro); dates are 00:00 UTC of the day.

-- Accounts.
CREATE TABLE users (
    id            TEXT PRIMARY KEY,
    email         TEXT NOT NULL UNIQUE CHECK (email = lower(email)),
    role          TEXT NOT NULL CHECK (role IN ('admin', 'coordinator', 'specialist')),
    team_id       TEXT NOT NULL DEFAULT '',
    password_hash TEXT NOT NULL,
    created_at    INTEGER NOT NULL
);

CREATE TABLE api_tokens (
    id           TEXT PRIMARY KEY,
    user_id      TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    name         TEXT NOT NULL,
    hash         BLOB NOT NULL UNIQUE,
    created_at   INTEGER NOT NULL,
    last_used_at INTEGER,
    revoked_at   INTEGER
);
CREATE INDEX api_tokens_user ON api_tokens (user_id);

CREATE TABLE sessions (
    hash         BLOB PRIMARY KEY,
    user_id      TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    created_at   INTEGER NOT NULL,
    last_seen_at INTEGER NOT NULL,
    expires_at   INTEGER NOT NULL,
    csrf_secret  BLOB NOT NULL
);
CREATE INDEX sessions_user ON sessions (user_id);

-- Referrals. specialist_id has no foreign key: referrals outlive accounts
-- until retention purges them.
CREATE TABLE referrals (
    id                   TEXT PRIMARY KEY,
    peer_ref             TEXT NOT NULL,
    need                 TEXT NOT NULL,
    service_key          TEXT NOT NULL,
    location_id          TEXT NOT NULL DEFAULT '',
    specialist_id        TEXT NOT NULL,
    team_id              TEXT NOT NULL DEFAULT '',
    notes                TEXT NOT NULL DEFAULT '',
    follow_up            INTEGER,
    contact_phone        TEXT,
    contact_email        TEXT,
    consent_method       TEXT NOT NULL CHECK (consent_method IN ('verbal', 'written')),
    consent_scope        TEXT NOT NULL CHECK (consent_scope IN ('this-referral', 'share-with-service')),
    consent_given_at     INTEGER NOT NULL,
    consent_recorded_by  TEXT NOT NULL,
    consent_contact      BOOLEAN NOT NULL,
    consent_part2_notice BOOLEAN NOT NULL,
    status               TEXT NOT NULL CHECK (status IN ('sent', 'accepted', 'declined', 'completed', 'no_show', 'cancelled', 'expired')),
    created_at           INTEGER NOT NULL,
    updated_at           INTEGER NOT NULL,
    closed_at            INTEGER,
    -- No contact details without the peer's consent to be contacted.
    CHECK (consent_contact OR (contact_phone IS NULL AND contact_email IS NULL))
);
CREATE INDEX referrals_specialist ON referrals (specialist_id, created_at);
CREATE INDEX referrals_team ON referrals (team_id, created_at) WHERE team_id <> '';
CREATE INDEX referrals_open ON referrals (status, updated_at) WHERE closed_at IS NULL;
CREATE INDEX referrals_follow_up ON referrals (specialist_id, follow_up) WHERE closed_at IS NULL AND follow_up IS NOT NULL;
CREATE INDEX referrals_closed ON referrals (closed_at) WHERE closed_at IS NOT NULL;

CREATE TABLE referral_events (
    seq         INTEGER PRIMARY KEY AUTOINCREMENT,
    id          TEXT NOT NULL UNIQUE,
    referral_id TEXT NOT NULL REFERENCES referrals (id) ON DELETE CASCADE,
    at          INTEGER NOT NULL,
    actor_kind  TEXT NOT NULL CHECK (actor_kind IN ('user', 'agency', 'system')),
    actor_id    TEXT NOT NULL DEFAULT '',
    from_status TEXT NOT NULL DEFAULT '',
    to_status   TEXT NOT NULL,
    note        TEXT NOT NULL DEFAULT '',
    follow_up   INTEGER
);
CREATE INDEX referral_events_referral ON referral_events (referral_id, seq);

-- Events are append-only: only purging the referral removes them.
CREATE TRIGGER referral_events_append_only BEFORE UPDATE ON referral_events
BEGIN
    SELECT RAISE(ABORT, 'referral events are append-only');
END;

CREATE TABLE agency_links (
    id          TEXT PRIMARY KEY,
    referral_id TEXT NOT NULL REFERENCES referrals (id) ON DELETE CASCADE,
    token_hash  BLOB NOT NULL UNIQUE,
    created_by  TEXT NOT NULL,
    created_at  INTEGER NOT NULL,
    expires_at  INTEGER NOT NULL
);
CREATE INDEX agency_links_referral ON agency_links (referral_id);

-- Who read or changed which referral, when. No referral content; kept
-- after the referral is purged.
CREATE TABLE audit_log (
    seq         INTEGER PRIMARY KEY AUTOINCREMENT,
    at          INTEGER NOT NULL,
    actor_kind  TEXT NOT NULL,
    actor_id    TEXT NOT NULL DEFAULT '',
    action      TEXT NOT NULL,
    referral_id TEXT NOT NULL DEFAULT ''
);
CREATE INDEX audit_log_referral ON audit_log (referral_id, seq);
CREATE INDEX audit_log_actor ON audit_log (actor_kind, actor_id, seq);

CREATE TRIGGER audit_log_append_only BEFORE UPDATE ON audit_log
BEGIN
    SELECT RAISE(ABORT, 'the audit log is append-only');
END;
