-- Consent that ends, links that end with it, and pseudonyms looked up by
-- value. consent_signature says how written consent was signed (paper on
-- file, or electronic with the image kept in consent_signature_png);
-- consent_withdrawn_at is set when the peer withdraws consent, an event of
-- its own (referral_events.kind). Agency links end when revoked: by the
-- specialist, by a newer link, or when the referral closes or consent is
-- withdrawn (revoked_reason says which).
ALTER TABLE referrals ADD COLUMN consent_signature text NOT NULL DEFAULT ''
    CHECK (consent_signature IN ('', 'paper', 'electronic'));
ALTER TABLE referrals ADD COLUMN consent_signature_png bytea;
ALTER TABLE referrals ADD COLUMN consent_withdrawn_at timestamptz;
CREATE INDEX referrals_peer_ref ON referrals (peer_ref);

ALTER TABLE referral_events ADD COLUMN kind text NOT NULL DEFAULT ''
    CHECK (kind IN ('', 'consent_withdrawn'));

ALTER TABLE agency_links ADD COLUMN revoked_at timestamptz;
ALTER TABLE agency_links ADD COLUMN revoked_reason text NOT NULL DEFAULT ''
    CHECK (revoked_reason IN ('', 'revoked', 'replaced', 'closed', 'cancelled', 'consent_withdrawn'));
