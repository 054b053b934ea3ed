-- Trellis schema for PostgreSQL. Times are timestamptz (microseconds);
-- dates are date. Tables are created in the connection's search_path.

-- Accounts.
CREATE TABLE users (
    id            text PRIMARY KEY,
    email         text NOT NULL UNIQUE CHECK (email = lower(email)),
    role          text NOT NULL CHECK (role IN ('admin', 'coordinator', 'specialist')),
    team_id       text NOT NULL DEFAULT '',
    password_hash text NOT NULL,
    created_at    timestamptz NOT NULL
);

CREATE TABLE api_tokens (
    id           text PRIMARY KEY,
    user_id      text NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    name         text NOT NULL,
    hash         bytea NOT NULL UNIQUE,
    created_at   timestamptz NOT NULL,
    last_used_at timestamptz,
    revoked_at   timestamptz
);
CREATE INDEX api_tokens_user ON api_tokens (user_id);

CREATE TABLE sessions (
    hash         bytea PRIMARY KEY,
    user_id      text NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    created_at   timestamptz NOT NULL,
    last_seen_at timestamptz NOT NULL,
    expires_at   timestamptz NOT NULL,
    csrf_secret  bytea NOT NULL
);
CREATE INDEX sessions_user ON sessions (user_id);

-- Referrals. specialist_id has no foreign key: referrals outlive accounts
-- until retention purges them.
CREATE TABLE referrals (
    id                   text PRIMARY KEY,
    peer_ref             text NOT NULL,
    need                 text NOT NULL,
    service_key          text NOT NULL,
    location_id          text NOT NULL DEFAULT '',
    specialist_id        text NOT NULL,
    team_id              text NOT NULL DEFAULT '',
    notes                text NOT NULL DEFAULT '',
    follow_up            date,
    contact_phone        text,
    contact_email        text,
    consent_method       text NOT NULL CHECK (consent_method IN ('verbal', 'written')),
    consent_scope        text NOT NULL CHECK (consent_scope IN ('this-referral', 'share-with-service')),
    consent_given_at     timestamptz NOT NULL,
    consent_recorded_by  text NOT NULL,
    consent_contact      boolean NOT NULL,
    consent_part2_notice boolean NOT NULL,
    status               text NOT NULL CHECK (status IN ('sent', 'accepted', 'declined', 'completed', 'no_show', 'cancelled', 'expired')),
    created_at           timestamptz NOT NULL,
    updated_at           timestamptz NOT NULL,
    closed_at            timestamptz,
    -- No contact details without the peer's consent to be contacted.
    CHECK (consent_contact OR (contact_phone IS NULL AND contact_email IS NULL))
);
CREATE INDEX referrals_specialist ON referrals (specialist_id, created_at);
CREATE INDEX referrals_team ON referrals (team_id, created_at) WHERE team_id <> '';
CREATE INDEX referrals_open ON referrals (status, updated_at) WHERE closed_at IS NULL;
CREATE INDEX referrals_follow_up ON referrals (specialist_id, follow_up) WHERE closed_at IS NULL AND follow_up IS NOT NULL;
CREATE INDEX referrals_closed ON referrals (closed_at) WHERE closed_at IS NOT NULL;

CREATE TABLE referral_events (
    seq         bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    id          text NOT NULL UNIQUE,
    referral_id text NOT NULL REFERENCES referrals (id) ON DELETE CASCADE,
    at          timestamptz NOT NULL,
    actor_kind  text NOT NULL CHECK (actor_kind IN ('user', 'agency', 'system')),
    actor_id    text NOT NULL DEFAULT '',
    from_status text NOT NULL DEFAULT '',
    to_status   text NOT NULL,
    note        text NOT NULL DEFAULT '',
    follow_up   date
);
CREATE INDEX referral_events_referral ON referral_events (referral_id, seq);

-- Events and the audit log are append-only: only deletes (purge) are allowed.
CREATE FUNCTION trellis_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION '% is append-only', TG_TABLE_NAME;
END;
$$;

CREATE TRIGGER referral_events_append_only BEFORE UPDATE ON referral_events
    FOR EACH ROW EXECUTE FUNCTION trellis_append_only();

CREATE TABLE agency_links (
    id          text PRIMARY KEY,
    referral_id text NOT NULL REFERENCES referrals (id) ON DELETE CASCADE,
    token_hash  bytea NOT NULL UNIQUE,
    created_by  text NOT NULL,
    created_at  timestamptz NOT NULL,
    expires_at  timestamptz NOT NULL
);
CREATE INDEX agency_links_referral ON agency_links (referral_id);

-- Who read or changed which referral, when. No referral content; kept
-- after the referral is purged.
CREATE TABLE audit_log (
    seq         bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    at          timestamptz NOT NULL,
    actor_kind  text NOT NULL,
    actor_id    text NOT NULL DEFAULT '',
    action      text NOT NULL,
    referral_id text NOT NULL DEFAULT ''
);
CREATE INDEX audit_log_referral ON audit_log (referral_id, seq);
CREATE INDEX audit_log_actor ON audit_log (actor_kind, actor_id, seq);

CREATE TRIGGER audit_log_append_only BEFORE UPDATE ON audit_log
    FOR EACH ROW EXECUTE FUNCTION trellis_append_only();
