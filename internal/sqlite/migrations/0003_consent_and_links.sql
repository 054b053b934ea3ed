-- Consent that ends, links that end with it, and pseudonyms looked up by
-- value. consent_signature says how written consent was signed (paper on
-- file, or electronic with the image kept in consent_signature_png);
-- consent_withdrawn_at is set when the peer withdraws consent, an event of
-- its own (referral_events.kind). Agency links end when revoked: by the
-- specialist, by a newer link, or when the referral closes or consent is
-- withdrawn (revoked_reason says which).
ALTER TABLE referrals ADD COLUMN consent_signature TEXT NOT NULL DEFAULT ''
    CHECK (consent_signature IN ('', 'paper', 'electronic'));
ALTER TABLE referrals ADD COLUMN consent_signature_png BLOB;
ALTER TABLE referrals ADD COLUMN consent_withdrawn_at INTEGER;
CREATE INDEX referrals_peer_ref ON referrals (peer_ref);

ALTER TABLE referral_events ADD COLUMN kind TEXT NOT NULL DEFAULT ''
    CHECK (kind IN ('', 'consent_withdrawn'));

ALTER TABLE agency_links ADD COLUMN revoked_at INTEGER;
ALTER TABLE agency_links ADD COLUMN revoked_reason TEXT NOT NULL DEFAULT ''
    CHECK (revoked_reason IN ('', 'revoked', 'replaced', 'closed', 'cancelled', 'consent_withdrawn'));
