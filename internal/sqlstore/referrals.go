package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"trellis/internal/referral"
)

const referralColumns = `id, peer_ref, need, service_key, location_id, specialist_id, team_id, notes, follow_up,
	contact_phone, contact_email, consent_method, consent_scope, consent_given_at, consent_recorded_by,
	consent_contact, consent_part2_notice, status, created_at, updated_at, closed_at,
	consent_signature, consent_signature_png, consent_withdrawn_at, answered_at, answer_seen_at`

// referralSelect reads a referral (referralColumns, then SentAt: when its
// first agency link was made) from a query over referrals.
const referralSelect = `SELECT ` + referralColumns + `,
	(SELECT MIN(l.created_at) FROM agency_links l WHERE l.referral_id = referrals.id) FROM referrals`

// scanReferral reads a row of referralSelect.
func scanReferral(row interface{ Scan(...any) error }) (*referral.Referral, error) {
	var r referral.Referral
	var phone, email string
	err := row.Scan(&r.ID, &r.PeerRef, &r.Need, &r.ServiceKey, &r.LocationID, &r.SpecialistID, &r.TeamID, &r.Notes, tm(&r.FollowUp),
		strDest{&phone}, strDest{&email}, &r.Consent.Method, &r.Consent.Scope, tm(&r.Consent.GivenAt), &r.Consent.RecordedBy,
		&r.Consent.Contact, &r.Consent.Part2Notice, &r.Status, tm(&r.CreatedAt), tm(&r.UpdatedAt), tm(&r.ClosedAt),
		&r.Consent.Signature, &r.Consent.SignatureImage, tm(&r.Consent.WithdrawnAt), tm(&r.AnsweredAt), tm(&r.AnswerSeenAt), tm(&r.SentAt))
	if err != nil {
		return nil, err
	}
	if len(r.Consent.SignatureImage) == 0 {
		r.Consent.SignatureImage = nil
	}
	if r.Consent.Contact && (phone != "" || email != "") {
		r.Contact = &referral.Contact{Phone: phone, Email: email}
	}
	return &r, nil
}

// CreateReferral implements referral.Store. Contact details are stored
// only when r.Consent.Contact is true.
func (s *Store) CreateReferral(ctx context.Context, r *referral.Referral, first referral.Event, out *referral.Outgoing, audit ...referral.AuditEntry) error {
	var phone, email string
	if r.Contact != nil && r.Consent.Contact {
		phone, email = r.Contact.Phone, r.Contact.Email
	}
	err := s.db.Tx(ctx, func(q Querier) error {
		var sig any
		if len(r.Consent.SignatureImage) > 0 {
			sig = r.Consent.SignatureImage
		}
		_, err := q.Exec(ctx, `INSERT INTO referrals (`+referralColumns+`)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20, $21, $22, $23, $24, $25, $26)`,
			r.ID, r.PeerRef, r.Need, r.ServiceKey, r.LocationID, r.SpecialistID, r.TeamID, r.Notes, nullTime(r.FollowUp),
			nullString(phone), nullString(email), string(r.Consent.Method), string(r.Consent.Scope), r.Consent.GivenAt, r.Consent.RecordedBy,
			r.Consent.Contact, r.Consent.Part2Notice, string(r.Status), r.CreatedAt, r.UpdatedAt, nullTime(r.ClosedAt),
			string(r.Consent.Signature), sig, nullTime(r.Consent.WithdrawnAt), nullTime(r.AnsweredAt), nullTime(r.AnswerSeenAt))
		if err != nil {
			return err
		}
		first.ReferralID = r.ID
		if err := insertEvent(ctx, q, first); err != nil {
			return err
		}
		if out != nil {
			if l := out.Link; l != nil {
				if _, err := q.Exec(ctx, `INSERT INTO agency_links (id, referral_id, token_hash, created_by, created_at, expires_at)
				VALUES ($1, $2, $3, $4, $5, $6)`, l.ID, r.ID, l.TokenHash, l.CreatedBy, l.CreatedAt, l.ExpiresAt); err != nil {
					return fmt.Errorf("agency link %s: %w", l.ID, err)
				}
			}
			for _, m := range out.Mail {
				if err := insertMail(ctx, q, m); err != nil {
					return err
				}
			}
		}
		return insertAudit(ctx, q, audit)
	})
	if err != nil {
		return fmt.Errorf("%s: create referral %s: %w", s.d.Name, r.ID, err)
	}
	return nil
}

func insertEvent(ctx context.Context, q Querier, ev referral.Event) error {
	_, err := q.Exec(ctx, `INSERT INTO referral_events (id, referral_id, kind, at, actor_kind, actor_id, from_status, to_status, note, follow_up)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)`,
		ev.ID, ev.ReferralID, string(ev.Kind), ev.At, string(ev.Actor.Kind), ev.Actor.ID, string(ev.From), string(ev.To), ev.Note, nullTime(ev.FollowUp))
	if err != nil {
		return fmt.Errorf("append event %s: %w", ev.ID, err)
	}
	return nil
}

// Referral implements referral.Store.
func (s *Store) Referral(ctx context.Context, id string) (*referral.Referral, error) {
	r, err := scanReferral(s.db.QueryRow(ctx, referralSelect+` WHERE id = $1`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, referral.ErrNotFound
	}
	if err != nil {
		return nil, fmt.Errorf("%s: read referral %s: %w", s.d.Name, id, err)
	}
	return r, nil
}

// args collects query arguments and hands out their placeholders.
type args []any

func (a *args) add(v any) string {
	*a = append(*a, v)
	return "$" + strconv.Itoa(len(*a))
}

// where returns the WHERE clause (with a leading space, or empty) and
// arguments for f.
func where(f referral.Filter) (string, args) {
	var a args
	var conds []string
	switch {
	case f.Specialist != "" && f.Team != "":
		conds = append(conds, "(specialist_id = "+a.add(f.Specialist)+" OR team_id = "+a.add(f.Team)+")")
	case f.Specialist != "":
		conds = append(conds, "specialist_id = "+a.add(f.Specialist))
	case f.Team != "":
		conds = append(conds, "team_id = "+a.add(f.Team))
	}
	if len(f.Status) > 0 {
		ph := make([]string, len(f.Status))
		for i, st := range f.Status {
			ph[i] = a.add(string(st))
		}
		conds = append(conds, "status IN ("+strings.Join(ph, ", ")+")")
	}
	if f.Need != "" {
		if strings.ContainsAny(f.Need, `%_\`) {
			conds = append(conds, "need = "+a.add(f.Need))
		} else {
			conds = append(conds, "(need = "+a.add(f.Need)+" OR need LIKE "+a.add(f.Need+".%")+")")
		}
	}
	if !f.DueBefore.IsZero() {
		conds = append(conds, "follow_up <= "+a.add(referral.DateOf(f.DueBefore)))
	}
	if f.PeerRef != "" {
		conds = append(conds, "peer_ref = "+a.add(f.PeerRef))
	}
	if f.Organization != "" {
		prefix := f.Organization + "."
		conds = append(conds, "substr(service_key, 1, "+a.add(len(prefix))+") = "+a.add(prefix))
	}
	if f.Unread {
		conds = append(conds, "answered_at IS NOT NULL AND (answer_seen_at IS NULL OR answer_seen_at < answered_at)")
		if f.Specialist != "" {
			conds = append(conds, "specialist_id = "+a.add(f.Specialist))
		}
	}
	if len(conds) == 0 {
		return "", a
	}
	return " WHERE " + strings.Join(conds, " AND "), a
}

func (s *Store) queryReferrals(ctx context.Context, q string, a args) ([]*referral.Referral, error) {
	rows, err := s.db.Query(ctx, q, a...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []*referral.Referral{}
	for rows.Next() {
		r, err := scanReferral(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, r)
	}
	return out, rows.Err()
}

// ListReferrals implements referral.Store.
func (s *Store) ListReferrals(ctx context.Context, f referral.Filter) ([]*referral.Referral, error) {
	w, a := where(f)
	order := ` ORDER BY created_at DESC, id DESC`
	if f.Order == referral.OrderFollowUp {
		order = ` ORDER BY follow_up IS NULL, follow_up, created_at DESC, id DESC`
	}
	q := referralSelect + w + order + ` LIMIT ` + a.add(f.PageSize()) + ` OFFSET ` + a.add(max(f.Offset, 0))
	rs, err := s.queryReferrals(ctx, q, a)
	if err != nil {
		return nil, fmt.Errorf("%s: list referrals: %w", s.d.Name, err)
	}
	return rs, nil
}

// CountReferrals implements referral.Store.
func (s *Store) CountReferrals(ctx context.Context, f referral.Filter) (int, error) {
	w, a := where(f)
	var n int
	if err := s.db.QueryRow(ctx, `SELECT COUNT(*) FROM referrals`+w, a...).Scan(&n); err != nil {
		return 0, fmt.Errorf("%s: count referrals: %w", s.d.Name, err)
	}
	return n, nil
}

// ReferralServices implements referral.Store.
func (s *Store) ReferralServices(ctx context.Context, f referral.Filter) ([]string, error) {
	w, a := where(f)
	rows, err := s.db.Query(ctx, `SELECT DISTINCT service_key FROM referrals`+w+` ORDER BY service_key`, a...)
	if err != nil {
		return nil, fmt.Errorf("%s: referral services: %w", s.d.Name, err)
	}
	defer rows.Close()
	out := []string{}
	for rows.Next() {
		var k string
		if err := rows.Scan(&k); err != nil {
			return nil, fmt.Errorf("%s: referral services: %w", s.d.Name, err)
		}
		out = append(out, k)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("%s: referral services: %w", s.d.Name, err)
	}
	return out, nil
}

// MarkAnswerSeen implements referral.Store.
func (s *Store) MarkAnswerSeen(ctx context.Context, id string, at time.Time) error {
	n, err := s.db.Exec(ctx, `UPDATE referrals SET answer_seen_at = $1 WHERE id = $2`, referral.Timestamp(at), id)
	if err != nil {
		return fmt.Errorf("%s: mark answer of %s seen: %w", s.d.Name, id, err)
	}
	if n == 0 {
		return referral.ErrNotFound
	}
	return nil
}

// AnswerMail implements referral.Store.
func (s *Store) AnswerMail(ctx context.Context, userID string) (referral.AnswerMail, error) {
	var m referral.AnswerMail
	err := s.db.QueryRow(ctx, `SELECT email, lang FROM answer_mail WHERE user_id = $1`, userID).Scan(&m.Email, &m.Lang)
	switch {
	case errors.Is(err, sql.ErrNoRows):
		return referral.AnswerMail{}, nil
	case err != nil:
		return referral.AnswerMail{}, fmt.Errorf("%s: answer mail of %s: %w", s.d.Name, userID, err)
	}
	m.On = true
	return m, nil
}

// SetAnswerMail implements referral.Store.
func (s *Store) SetAnswerMail(ctx context.Context, userID string, m referral.AnswerMail) error {
	var err error
	if m.On {
		_, err = s.db.Exec(ctx, `INSERT INTO answer_mail (user_id, email, lang) VALUES ($1, $2, $3)
			ON CONFLICT (user_id) DO UPDATE SET email = excluded.email, lang = excluded.lang`, userID, m.Email, m.Lang)
	} else {
		_, err = s.db.Exec(ctx, `DELETE FROM answer_mail WHERE user_id = $1`, userID)
	}
	if err != nil {
		return fmt.Errorf("%s: set answer mail of %s: %w", s.d.Name, userID, err)
	}
	return nil
}

// FollowUpsDue implements referral.Store.
func (s *Store) FollowUpsDue(ctx context.Context, specialist string, asOf time.Time) ([]*referral.Referral, error) {
	rs, err := s.queryReferrals(ctx, referralSelect+`
		WHERE specialist_id = $1 AND status IN ($2, $3) AND follow_up IS NOT NULL AND follow_up <= $4
		ORDER BY follow_up, created_at, id`,
		args{specialist, string(referral.StatusSent), string(referral.StatusAccepted), referral.DateOf(asOf)})
	if err != nil {
		return nil, fmt.Errorf("%s: follow-ups of %s: %w", s.d.Name, specialist, err)
	}
	return rs, nil
}

// AppendEvent implements referral.Store.
func (s *Store) AppendEvent(ctx context.Context, id string, ev referral.Event, expected referral.Status, mail []*referral.Mail, audit ...referral.AuditEntry) (*referral.Referral, error) {
	r, err := s.appendEvent(ctx, id, ev, expected, mail, audit)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", s.d.Name, err)
	}
	return r, nil
}

func (s *Store) appendEvent(ctx context.Context, id string, ev referral.Event, expected referral.Status, mail []*referral.Mail, audit []referral.AuditEntry) (*referral.Referral, error) {
	if ev.From != expected {
		return nil, fmt.Errorf("referral %s: event %s: from %q is not the expected status %q", id, ev.ID, ev.From, expected)
	}
	if ev.To != expected {
		if err := referral.CheckMove(id, expected, ev.To); err != nil {
			return nil, err
		}
	} else if expected.Terminal() || !expected.Valid() {
		return nil, referral.CheckMove(id, expected, ev.To)
	}
	ev.ReferralID = id
	var closed, answered any
	if ev.To.Terminal() {
		closed = ev.At
	}
	if ev.Actor.Kind == referral.ActorAgency {
		answered = ev.At
	}
	var out *referral.Referral
	err := s.db.Tx(ctx, func(q Querier) error {
		n, err := q.Exec(ctx, `UPDATE referrals SET status = $1, updated_at = $2,
			follow_up = COALESCE($3, follow_up), closed_at = COALESCE($4, closed_at), answered_at = COALESCE($5, answered_at)
			WHERE id = $6 AND status = $7`,
			string(ev.To), ev.At, nullTime(ev.FollowUp), closed, answered, id, string(expected))
		if err != nil {
			return fmt.Errorf("move referral %s: %w", id, err)
		}
		if n == 0 {
			var cur referral.Status
			err := q.QueryRow(ctx, `SELECT status FROM referrals WHERE id = $1`, id).Scan(&cur)
			if errors.Is(err, sql.ErrNoRows) {
				return referral.ErrNotFound
			}
			if err != nil {
				return fmt.Errorf("move referral %s: %w", id, err)
			}
			return &referral.TransitionError{ID: id, From: cur, To: ev.To, Allowed: referral.AllowedNext(cur), Stale: true, Expected: expected}
		}
		if err := insertEvent(ctx, q, ev); err != nil {
			return fmt.Errorf("referral %s: %w", id, err)
		}
		if ev.To.Terminal() {
			if err := revokeLinks(ctx, q, id, "", ev.At, referral.LinkEndFor(ev.To)); err != nil {
				return fmt.Errorf("referral %s: %w", id, err)
			}
			if err := cancelAgencyMail(ctx, q, id, ev.At); err != nil {
				return fmt.Errorf("referral %s: %w", id, err)
			}
		}
		for _, m := range mail {
			if err := insertMail(ctx, q, m); err != nil {
				return fmt.Errorf("referral %s: %w", id, err)
			}
		}
		if err := insertAudit(ctx, q, audit); err != nil {
			return fmt.Errorf("referral %s: %w", id, err)
		}
		out, err = scanReferral(q.QueryRow(ctx, referralSelect+` WHERE id = $1`, id))
		if err != nil {
			return fmt.Errorf("read referral %s: %w", id, err)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// Events implements referral.Store.
func (s *Store) Events(ctx context.Context, id string) ([]referral.Event, error) {
	rows, err := s.db.Query(ctx, `SELECT id, referral_id, kind, at, actor_kind, actor_id, from_status, to_status, note, follow_up
		FROM referral_events WHERE referral_id = $1 ORDER BY seq`, id)
	if err != nil {
		return nil, fmt.Errorf("%s: events of %s: %w", s.d.Name, id, err)
	}
	defer rows.Close()
	out := []referral.Event{}
	for rows.Next() {
		var ev referral.Event
		if err := rows.Scan(&ev.ID, &ev.ReferralID, &ev.Kind, tm(&ev.At), &ev.Actor.Kind, &ev.Actor.ID, &ev.From, &ev.To, &ev.Note, tm(&ev.FollowUp)); err != nil {
			return nil, fmt.Errorf("%s: events of %s: %w", s.d.Name, id, err)
		}
		out = append(out, ev)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("%s: events of %s: %w", s.d.Name, id, err)
	}
	if len(out) == 0 {
		// Every referral has its creation event, so none means no referral.
		return nil, referral.ErrNotFound
	}
	return out, nil
}

// ExpireOlderThan implements referral.Store. Each referral is expired,
// and audited, in its own transaction with a compare-and-set, so a
// concurrent move wins over expiry rather than being overwritten.
func (s *Store) ExpireOlderThan(ctx context.Context, age time.Duration, now time.Time) ([]string, error) {
	now = referral.Timestamp(now)
	rows, err := s.db.Query(ctx, `SELECT id, status FROM referrals WHERE status IN ($1, $2) AND updated_at < $3 ORDER BY updated_at, id`,
		string(referral.StatusSent), string(referral.StatusAccepted), now.Add(-age))
	if err != nil {
		return nil, fmt.Errorf("%s: expire: %w", s.d.Name, err)
	}
	type cand struct {
		id string
		st referral.Status
	}
	var cands []cand
	for rows.Next() {
		var c cand
		if err := rows.Scan(&c.id, &c.st); err != nil {
			rows.Close()
			return nil, fmt.Errorf("%s: expire: %w", s.d.Name, err)
		}
		cands = append(cands, c)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("%s: expire: %w", s.d.Name, err)
	}
	expired := []string{}
	for _, c := range cands {
		ev := referral.Event{ID: referral.NewID(), At: now, Actor: referral.SystemActor, From: c.st, To: referral.StatusExpired}
		_, err := s.appendEvent(ctx, c.id, ev, c.st, nil, []referral.AuditEntry{{At: now, Actor: referral.SystemActor, Action: referral.ActionExpire, ReferralID: c.id}})
		var te *referral.TransitionError
		switch {
		case err == nil:
			expired = append(expired, c.id)
		case errors.As(err, &te), errors.Is(err, referral.ErrNotFound):
			// Moved or purged meanwhile: no longer a candidate.
		default:
			return expired, fmt.Errorf("%s: expire: %w", s.d.Name, err)
		}
	}
	return expired, nil
}

// revokeLinks ends the links of referral id that still work, all of them
// or all but keep, at at for reason why.
func revokeLinks(ctx context.Context, q Querier, id, keep string, at time.Time, why referral.LinkEnd) error {
	_, err := q.Exec(ctx, `UPDATE agency_links SET revoked_at = $1, revoked_reason = $2
		WHERE referral_id = $3 AND id <> $4 AND revoked_at IS NULL`, at, string(why), id, keep)
	if err != nil {
		return fmt.Errorf("revoke agency links: %w", err)
	}
	return nil
}

// CreateAgencyLink implements referral.Store.
func (s *Store) CreateAgencyLink(ctx context.Context, l *referral.AgencyLink, audit ...referral.AuditEntry) error {
	err := s.db.Tx(ctx, func(q Querier) error {
		var one int
		err := q.QueryRow(ctx, `SELECT 1 FROM referrals WHERE id = $1`, l.ReferralID).Scan(&one)
		if errors.Is(err, sql.ErrNoRows) {
			return referral.ErrNotFound
		}
		if err != nil {
			return err
		}
		_, err = q.Exec(ctx, `INSERT INTO agency_links (id, referral_id, token_hash, created_by, created_at, expires_at)
			VALUES ($1, $2, $3, $4, $5, $6)`, l.ID, l.ReferralID, l.TokenHash, l.CreatedBy, l.CreatedAt, l.ExpiresAt)
		if err != nil {
			return err
		}
		if err := revokeLinks(ctx, q, l.ReferralID, l.ID, l.CreatedAt, referral.LinkEndReplaced); err != nil {
			return err
		}
		return insertAudit(ctx, q, audit)
	})
	if err != nil {
		return fmt.Errorf("%s: create agency link %s for %s: %w", s.d.Name, l.ID, l.ReferralID, err)
	}
	return nil
}

const linkColumns = `id, referral_id, token_hash, created_by, created_at, expires_at, revoked_at, revoked_reason`

func scanLink(row interface{ Scan(...any) error }) (*referral.AgencyLink, error) {
	var l referral.AgencyLink
	if err := row.Scan(&l.ID, &l.ReferralID, &l.TokenHash, &l.CreatedBy, tm(&l.CreatedAt), tm(&l.ExpiresAt), tm(&l.RevokedAt), &l.RevokedReason); err != nil {
		return nil, err
	}
	return &l, nil
}

// AgencyLink implements referral.Store.
func (s *Store) AgencyLink(ctx context.Context, tokenHash []byte) (*referral.AgencyLink, error) {
	l, err := scanLink(s.db.QueryRow(ctx, `SELECT `+linkColumns+` FROM agency_links WHERE token_hash = $1`, tokenHash))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, referral.ErrLinkNotFound
	}
	if err != nil {
		return nil, fmt.Errorf("%s: read agency link: %w", s.d.Name, err)
	}
	return l, nil
}

// AgencyLinks implements referral.Store.
func (s *Store) AgencyLinks(ctx context.Context, referralID string) ([]*referral.AgencyLink, error) {
	rows, err := s.db.Query(ctx, `SELECT `+linkColumns+` FROM agency_links WHERE referral_id = $1 ORDER BY created_at DESC, id DESC`, referralID)
	if err != nil {
		return nil, fmt.Errorf("%s: agency links of %s: %w", s.d.Name, referralID, err)
	}
	defer rows.Close()
	out := []*referral.AgencyLink{}
	for rows.Next() {
		l, err := scanLink(rows)
		if err != nil {
			return nil, fmt.Errorf("%s: agency links of %s: %w", s.d.Name, referralID, err)
		}
		out = append(out, l)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("%s: agency links of %s: %w", s.d.Name, referralID, err)
	}
	return out, nil
}

// RevokeAgencyLink implements referral.Store.
func (s *Store) RevokeAgencyLink(ctx context.Context, referralID, linkID string, at time.Time, audit ...referral.AuditEntry) error {
	err := s.db.Tx(ctx, func(q Querier) error {
		n, err := q.Exec(ctx, `UPDATE agency_links SET revoked_at = COALESCE(revoked_at, $1),
		revoked_reason = CASE WHEN revoked_at IS NULL THEN $2 ELSE revoked_reason END
		WHERE id = $3 AND referral_id = $4`, at, string(referral.LinkEndRevoked), linkID, referralID)
		if err != nil {
			return err
		}
		if n == 0 {
			return referral.ErrLinkNotFound
		}
		return insertAudit(ctx, q, audit)
	})
	if errors.Is(err, referral.ErrLinkNotFound) {
		return err
	}
	if err != nil {
		return fmt.Errorf("%s: revoke agency link %s: %w", s.d.Name, linkID, err)
	}
	return nil
}

// WithdrawConsent implements referral.Store.
func (s *Store) WithdrawConsent(ctx context.Context, id string, ev referral.Event, expected referral.Status, audit ...referral.AuditEntry) (*referral.Referral, error) {
	if ev.Kind != referral.EventConsentWithdrawn || ev.From != expected {
		return nil, fmt.Errorf("%s: referral %s: event %s is not a consent withdrawal from %s", s.d.Name, id, ev.ID, expected)
	}
	if ev.To != expected && !(expected.Valid() && !expected.Terminal() && ev.To == referral.StatusCancelled) {
		return nil, fmt.Errorf("%s: referral %s: consent withdrawal cannot move %s to %s", s.d.Name, id, expected, ev.To)
	}
	ev.ReferralID = id
	var closed any
	if ev.To.Terminal() {
		closed = ev.At
	}
	var out *referral.Referral
	err := s.db.Tx(ctx, func(q Querier) error {
		n, err := q.Exec(ctx, `UPDATE referrals SET status = $1, updated_at = $2, closed_at = COALESCE(closed_at, $3),
			consent_withdrawn_at = $2, contact_phone = NULL, contact_email = NULL
			WHERE id = $4 AND status = $5 AND consent_withdrawn_at IS NULL`,
			string(ev.To), ev.At, closed, id, string(expected))
		if err != nil {
			return fmt.Errorf("withdraw consent to %s: %w", id, err)
		}
		if n == 0 {
			var cur referral.Status
			var withdrawn time.Time
			err := q.QueryRow(ctx, `SELECT status, consent_withdrawn_at FROM referrals WHERE id = $1`, id).Scan(&cur, tm(&withdrawn))
			switch {
			case errors.Is(err, sql.ErrNoRows):
				return referral.ErrNotFound
			case err != nil:
				return fmt.Errorf("withdraw consent to %s: %w", id, err)
			case !withdrawn.IsZero():
				return referral.ErrConsentWithdrawn
			}
			return &referral.TransitionError{ID: id, From: cur, To: ev.To, Allowed: referral.AllowedNext(cur), Stale: true, Expected: expected}
		}
		if err := insertEvent(ctx, q, ev); err != nil {
			return fmt.Errorf("referral %s: %w", id, err)
		}
		if err := revokeLinks(ctx, q, id, "", ev.At, referral.LinkEndConsentWithdrawn); err != nil {
			return fmt.Errorf("referral %s: %w", id, err)
		}
		if err := cancelAgencyMail(ctx, q, id, ev.At); err != nil {
			return fmt.Errorf("referral %s: %w", id, err)
		}
		if err := insertAudit(ctx, q, audit); err != nil {
			return fmt.Errorf("referral %s: %w", id, err)
		}
		out, err = scanReferral(q.QueryRow(ctx, referralSelect+` WHERE id = $1`, id))
		if err != nil {
			return fmt.Errorf("read referral %s: %w", id, err)
		}
		return nil
	})
	if err != nil {
		var te *referral.TransitionError
		if errors.As(err, &te) || errors.Is(err, referral.ErrNotFound) || errors.Is(err, referral.ErrConsentWithdrawn) {
			return nil, err
		}
		return nil, fmt.Errorf("%s: %w", s.d.Name, err)
	}
	return out, nil
}

// AppendAudit implements referral.Store.
func (s *Store) AppendAudit(ctx context.Context, entries ...referral.AuditEntry) error {
	if len(entries) == 0 {
		return nil
	}
	err := s.db.Tx(ctx, func(q Querier) error { return insertAudit(ctx, q, entries) })
	if err != nil {
		return fmt.Errorf("%s: %w", s.d.Name, err)
	}
	return nil
}

// insertAudit appends entries to the audit log within q, the transaction
// of the change they record.
func insertAudit(ctx context.Context, q Querier, entries []referral.AuditEntry) error {
	for _, e := range entries {
		if _, err := q.Exec(ctx, `INSERT INTO audit_log (at, actor_kind, actor_id, action, referral_id) VALUES ($1, $2, $3, $4, $5)`,
			referral.Timestamp(e.At), string(e.Actor.Kind), e.Actor.ID, string(e.Action), e.ReferralID); err != nil {
			return fmt.Errorf("append audit: %w", err)
		}
	}
	return nil
}

// AuditLog implements referral.Store.
func (s *Store) AuditLog(ctx context.Context, f referral.AuditFilter) ([]referral.AuditEntry, error) {
	var a args
	var conds []string
	if f.ReferralID != "" {
		conds = append(conds, "referral_id = "+a.add(f.ReferralID))
	}
	if f.Actor.Kind != "" {
		conds = append(conds, "actor_kind = "+a.add(string(f.Actor.Kind))+" AND actor_id = "+a.add(f.Actor.ID))
	}
	if !f.Since.IsZero() {
		conds = append(conds, "at >= "+a.add(f.Since))
	}
	q := `SELECT seq, at, actor_kind, actor_id, action, referral_id FROM audit_log`
	if len(conds) > 0 {
		q += " WHERE " + strings.Join(conds, " AND ")
	}
	limit := f.Limit
	if limit <= 0 {
		limit = 1000
	}
	q += " ORDER BY seq LIMIT " + a.add(limit)
	rows, err := s.db.Query(ctx, q, a...)
	if err != nil {
		return nil, fmt.Errorf("%s: read audit log: %w", s.d.Name, err)
	}
	defer rows.Close()
	out := []referral.AuditEntry{}
	for rows.Next() {
		var e referral.AuditEntry
		if err := rows.Scan(&e.Seq, tm(&e.At), &e.Actor.Kind, &e.Actor.ID, &e.Action, &e.ReferralID); err != nil {
			return nil, fmt.Errorf("%s: read audit log: %w", s.d.Name, err)
		}
		out = append(out, e)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("%s: read audit log: %w", s.d.Name, err)
	}
	return out, nil
}

// Stats implements referral.Store.
func (s *Store) Stats(ctx context.Context, f referral.StatsFilter) ([]referral.Stat, error) {
	var a args
	var conds []string
	if !f.Since.IsZero() {
		conds = append(conds, "created_at >= "+a.add(f.Since))
	}
	if !f.Until.IsZero() {
		conds = append(conds, "created_at < "+a.add(f.Until))
	}
	q := `SELECT service_key, need, status, COUNT(*) FROM referrals`
	if len(conds) > 0 {
		q += " WHERE " + strings.Join(conds, " AND ")
	}
	q += " GROUP BY service_key, need, status ORDER BY service_key, need, status"
	rows, err := s.db.Query(ctx, q, a...)
	if err != nil {
		return nil, fmt.Errorf("%s: stats: %w", s.d.Name, err)
	}
	defer rows.Close()
	out := []referral.Stat{}
	for rows.Next() {
		var st referral.Stat
		if err := rows.Scan(&st.ServiceKey, &st.Need, &st.Status, &st.Count); err != nil {
			return nil, fmt.Errorf("%s: stats: %w", s.d.Name, err)
		}
		out = append(out, st)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("%s: stats: %w", s.d.Name, err)
	}
	return out, nil
}

// Purge implements referral.Store. It deletes events and links explicitly
// (to count them) before the referrals; the foreign keys cascade as well.
func (s *Store) Purge(ctx context.Context, closedBefore time.Time) (referral.PurgeCounts, error) {
	var c referral.PurgeCounts
	sel := `SELECT id FROM referrals WHERE closed_at IS NOT NULL AND closed_at < $1`
	err := s.db.Tx(ctx, func(q Querier) error {
		n, err := q.Exec(ctx, `DELETE FROM referral_events WHERE referral_id IN (`+sel+`)`, closedBefore)
		if err != nil {
			return fmt.Errorf("events: %w", err)
		}
		c.Events = int(n)
		if n, err = q.Exec(ctx, `DELETE FROM agency_links WHERE referral_id IN (`+sel+`)`, closedBefore); err != nil {
			return fmt.Errorf("agency links: %w", err)
		}
		c.AgencyLinks = int(n)
		if n, err = q.Exec(ctx, `DELETE FROM referrals WHERE closed_at IS NOT NULL AND closed_at < $1`, closedBefore); err != nil {
			return fmt.Errorf("referrals: %w", err)
		}
		c.Referrals = int(n)
		return nil
	})
	if err != nil {
		return referral.PurgeCounts{}, fmt.Errorf("%s: purge: %w", s.d.Name, err)
	}
	return c, nil
}

// Outcomes implements referral.OutcomeStore: one row per referral, its
// first agency link and its first answer read by subqueries.
func (s *Store) Outcomes(ctx context.Context, f referral.OutcomeFilter) ([]referral.Outcome, error) {
	var a args
	var conds []string
	if !f.Since.IsZero() {
		conds = append(conds, "r.created_at >= "+a.add(f.Since))
	}
	if !f.Until.IsZero() {
		conds = append(conds, "r.created_at < "+a.add(f.Until))
	}
	switch {
	case f.Specialist != "" && f.Team != "":
		conds = append(conds, "(r.specialist_id = "+a.add(f.Specialist)+" OR r.team_id = "+a.add(f.Team)+")")
	case f.Specialist != "":
		conds = append(conds, "r.specialist_id = "+a.add(f.Specialist))
	case f.Team != "":
		conds = append(conds, "r.team_id = "+a.add(f.Team))
	}
	q := `SELECT r.created_at, r.need, r.service_key, r.status,
		(SELECT MIN(l.created_at) FROM agency_links l WHERE l.referral_id = r.id),
		(SELECT MIN(e.at) FROM referral_events e WHERE e.referral_id = r.id AND e.from_status = 'sent'
			AND e.to_status IN ('accepted', 'declined'))
		FROM referrals r`
	if len(conds) > 0 {
		q += " WHERE " + strings.Join(conds, " AND ")
	}
	rows, err := s.db.Query(ctx, q, a...)
	if err != nil {
		return nil, fmt.Errorf("%s: outcomes: %w", s.d.Name, err)
	}
	defer rows.Close()
	out := []referral.Outcome{}
	for rows.Next() {
		var o referral.Outcome
		if err := rows.Scan(tm(&o.CreatedAt), &o.Need, &o.ServiceKey, &o.Status, tm(&o.SentAt), tm(&o.AnsweredAt)); err != nil {
			return nil, fmt.Errorf("%s: outcomes: %w", s.d.Name, err)
		}
		out = append(out, o)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("%s: outcomes: %w", s.d.Name, err)
	}
	return out, nil
}
