-- The agency's answers reach the referring specialist: answered_at is set
-- with each event the agency makes through its link, answer_seen_at when
-- the specialist opens the referral, so an answer after it is unread.
-- Answers recorded before this migration count as seen. answer_mail holds
-- the specialists who asked to be emailed each answer (in lang, to email),
-- and the outbox takes that email's kind.
ALTER TABLE referrals ADD COLUMN answered_at timestamptz;
ALTER TABLE referrals ADD COLUMN answer_seen_at timestamptz;
UPDATE referrals SET answered_at = (SELECT MAX(e.at) FROM referral_events e
    WHERE e.referral_id = referrals.id AND e.actor_kind = 'agency');
UPDATE referrals SET answer_seen_at = answered_at;
CREATE INDEX referrals_unread ON referrals (specialist_id) WHERE answered_at IS NOT NULL;

CREATE TABLE answer_mail (
    user_id text PRIMARY KEY REFERENCES users (id) ON DELETE CASCADE,
    email   text NOT NULL,
    lang    text NOT NULL CHECK (lang IN ('en', 'es'))
);

ALTER TABLE outbox DROP CONSTRAINT outbox_kind_check;
ALTER TABLE outbox ADD CONSTRAINT outbox_kind_check CHECK (kind IN ('agency_referral', 'agency_answer'));
