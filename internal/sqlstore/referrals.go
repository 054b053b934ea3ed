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
	consent_contact, consent_part2_notice, status, created_at, updated_at, closed_at`

func scanReferral(row interface{ Scan(...any) error }) (*referral.Referral, error) {
	var r referral.Referral
	var phone, email string
	err := row.Scan(&r.ID, &r.PeerRef, &r.Need, &r.ServiceKey, &r.LocationID, &r.SpecialistID, &r.TeamID, &r.Notes, tm(&r.FollowUp),
		strDest{&phone}, strDest{&email}, &r.Consent.Method, &r.Consent.Scope, tm(&r.Consent.GivenAt), &r.Consent.RecordedBy,
		&r.Consent.Contact, &r.Consent.Part2Notice, &r.Status, tm(&r.CreatedAt), tm(&r.UpdatedAt), tm(&r.ClosedAt))
	if err != nil {
		return nil, err
	}
	if r.Consent.Contact && (phone != "" || email != "") {
		r.Contact = &referral.Contact{Phone: phone, Email: email}
	}
	return &r, nil
}

// CreateReferral implements referral.Store. Contact details are stored
// only when r.Consent.Contact is true.
func (s *Store) CreateReferral(ctx context.Context, r *referral.Referral, first referral.Event) error {
	var phone, email string
	if r.Contact != nil && r.Consent.Contact {
		phone, email = r.Contact.Phone, r.Contact.Email
	}
	err := s.db.Tx(ctx, func(q Querier) error {
		_, err := q.Exec(ctx, `INSERT INTO referrals (`+referralColumns+`)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20, $21)`,
			r.ID, r.PeerRef, r.Need, r.ServiceKey, r.LocationID, r.SpecialistID, r.TeamID, r.Notes, nullTime(r.FollowUp),
			nullString(phone), nullString(email), string(r.Consent.Method), string(r.Consent.Scope), r.Consent.GivenAt, r.Consent.RecordedBy,
			r.Consent.Contact, r.Consent.Part2Notice, string(r.Status), r.CreatedAt, r.UpdatedAt, nullTime(r.ClosedAt))
		if err != nil {
			return err
		}
		first.ReferralID = r.ID
		return insertEvent(ctx, q, first)
	})
	if err != nil {
		return fmt.Errorf("%s: create referral %s: %w", s.d.Name, r.ID, err)
	}
	return nil
}

func insertEvent(ctx context.Context, q Querier, ev referral.Event) error {
	_, err := q.Exec(ctx, `INSERT INTO referral_events (id, referral_id, at, actor_kind, actor_id, from_status, to_status, note, follow_up)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)`,
		ev.ID, ev.ReferralID, ev.At, string(ev.Actor.Kind), ev.Actor.ID, string(ev.From), string(ev.To), ev.Note, nullTime(ev.FollowUp))
	if err != nil {
		return fmt.Errorf("append event %s: %w", ev.ID, err)
	}
	return nil
}

// Referral implements referral.Store.
func (s *Store) Referral(ctx context.Context, id string) (*referral.Referral, error) {
	r, err := scanReferral(s.db.QueryRow(ctx, `SELECT `+referralColumns+` FROM referrals WHERE id = $1`, id))
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
	q := `SELECT ` + referralColumns + ` FROM referrals` + w +
		` ORDER BY created_at DESC, id DESC LIMIT ` + a.add(f.PageSize()) + ` OFFSET ` + a.add(max(f.Offset, 0))
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

// FollowUpsDue implements referral.Store.
func (s *Store) FollowUpsDue(ctx context.Context, specialist string, asOf time.Time) ([]*referral.Referral, error) {
	rs, err := s.queryReferrals(ctx, `SELECT `+referralColumns+` FROM referrals
		WHERE specialist_id = $1 AND status IN ($2, $3) AND follow_up IS NOT NULL AND follow_up <= $4
		ORDER BY follow_up, created_at, id`,
		args{specialist, string(referral.StatusSent), string(referral.StatusAccepted), referral.DateOf(asOf)})
	if err != nil {
		return nil, fmt.Errorf("%s: follow-ups of %s: %w", s.d.Name, specialist, err)
	}
	return rs, nil
}

// AppendEvent implements referral.Store.
func (s *Store) AppendEvent(ctx context.Context, id string, ev referral.Event, expected referral.Status) (*referral.Referral, error) {
	r, err := s.appendEvent(ctx, id, ev, expected)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", s.d.Name, err)
	}
	return r, nil
}

func (s *Store) appendEvent(ctx context.Context, id string, ev referral.Event, expected referral.Status) (*referral.Referral, error) {
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
	var closed any
	if ev.To.Terminal() {
		closed = ev.At
	}
	var out *referral.Referral
	err := s.db.Tx(ctx, func(q Querier) error {
		n, err := q.Exec(ctx, `UPDATE referrals SET status = $1, updated_at = $2,
			follow_up = COALESCE($3, follow_up), closed_at = COALESCE($4, closed_at)
			WHERE id = $5 AND status = $6`,
			string(ev.To), ev.At, nullTime(ev.FollowUp), closed, id, string(expected))
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
		out, err = scanReferral(q.QueryRow(ctx, `SELECT `+referralColumns+` FROM referrals WHERE id = $1`, id))
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
	rows, err := s.db.Query(ctx, `SELECT id, referral_id, at, actor_kind, actor_id, from_status, to_status, note, follow_up
		FROM referral_events WHERE referral_id = $1 ORDER BY seq`, id)
	if err != nil {
		return nil, fmt.Errorf("%s: events of %s: %w", s.d.Name, id, err)
	}
	defer rows.Close()
	out := []referral.Event{}
	for rows.Next() {
		var ev referral.Event
		if err := rows.Scan(&ev.ID, &ev.ReferralID, tm(&ev.At), &ev.Actor.Kind, &ev.Actor.ID, &ev.From, &ev.To, &ev.Note, tm(&ev.FollowUp)); err != nil {
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

// ExpireOlderThan implements referral.Store. Each referral is expired in
// its own transaction with a compare-and-set, so a concurrent move wins
// over expiry rather than being overwritten.
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
		_, err := s.appendEvent(ctx, c.id, ev, c.st)
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

// CreateAgencyLink implements referral.Store.
func (s *Store) CreateAgencyLink(ctx context.Context, l *referral.AgencyLink) error {
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
		return err
	})
	if err != nil {
		return fmt.Errorf("%s: create agency link %s for %s: %w", s.d.Name, l.ID, l.ReferralID, err)
	}
	return nil
}

// AgencyLink implements referral.Store.
func (s *Store) AgencyLink(ctx context.Context, tokenHash []byte) (*referral.AgencyLink, error) {
	var l referral.AgencyLink
	err := s.db.QueryRow(ctx, `SELECT id, referral_id, token_hash, created_by, created_at, expires_at FROM agency_links WHERE token_hash = $1`, tokenHash).
		Scan(&l.ID, &l.ReferralID, &l.TokenHash, &l.CreatedBy, tm(&l.CreatedAt), tm(&l.ExpiresAt))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, referral.ErrLinkNotFound
	}
	if err != nil {
		return nil, fmt.Errorf("%s: read agency link: %w", s.d.Name, err)
	}
	return &l, nil
}

// AppendAudit implements referral.Store.
func (s *Store) AppendAudit(ctx context.Context, entries ...referral.AuditEntry) error {
	if len(entries) == 0 {
		return nil
	}
	err := s.db.Tx(ctx, func(q Querier) error {
		for _, e := range entries {
			if _, err := q.Exec(ctx, `INSERT INTO audit_log (at, actor_kind, actor_id, action, referral_id) VALUES ($1, $2, $3, $4, $5)`,
				referral.Timestamp(e.At), string(e.Actor.Kind), e.Actor.ID, string(e.Action), e.ReferralID); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("%s: append audit: %w", s.d.Name, err)
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
