package sqlstore

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"time"

	"trellis/internal/referral"
)

// This file is the notification outbox (table outbox): emails queued with
// the events they tell of, and the claim-send-mark cycle of the delivery
// workers in package notify.

const mailColumns = `id, kind, referral_id, event_id, recipient, reply_to, subject, body, created_at,
	attempts, next_attempt_at, sent_at, failed_at, cancelled_at, last_error`

func scanMail(row interface{ Scan(...any) error }) (*referral.Mail, error) {
	var m referral.Mail
	err := row.Scan(&m.ID, &m.Kind, &m.ReferralID, &m.EventID, &m.To, &m.ReplyTo, &m.Subject, &m.Text, tm(&m.CreatedAt),
		&m.Attempts, tm(&m.NextAttemptAt), tm(&m.SentAt), tm(&m.FailedAt), tm(&m.CancelledAt), &m.LastError)
	if err != nil {
		return nil, err
	}
	return &m, nil
}

// insertMail queues m in the transaction q.
func insertMail(ctx context.Context, q Querier, m *referral.Mail) error {
	next := m.NextAttemptAt
	if next.IsZero() {
		next = m.CreatedAt
	}
	_, err := q.Exec(ctx, `INSERT INTO outbox (id, kind, referral_id, event_id, recipient, reply_to, subject, body, created_at, next_attempt_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)`,
		m.ID, string(m.Kind), m.ReferralID, m.EventID, m.To, m.ReplyTo, m.Subject, m.Text, m.CreatedAt, next)
	if err != nil {
		return fmt.Errorf("queue mail %s: %w", m.ID, err)
	}
	return nil
}

// cancelAgencyMail cancels, at at, the agency emails of referral id that
// have not gone out, and erases their bodies: a referral that closed or
// lost its consent is told to nobody.
func cancelAgencyMail(ctx context.Context, q Querier, id string, at time.Time) error {
	_, err := q.Exec(ctx, `UPDATE outbox SET cancelled_at = $1, body = ''
		WHERE referral_id = $2 AND kind = $3 AND sent_at IS NULL AND failed_at IS NULL AND cancelled_at IS NULL`,
		at, id, string(referral.MailAgencyReferral))
	if err != nil {
		return fmt.Errorf("cancel mail: %w", err)
	}
	return nil
}

// Mail implements referral.Store.
func (s *Store) Mail(ctx context.Context, referralID string) ([]*referral.Mail, error) {
	rows, err := s.db.Query(ctx, `SELECT `+mailColumns+` FROM outbox WHERE referral_id = $1 ORDER BY created_at, id`, referralID)
	if err != nil {
		return nil, fmt.Errorf("%s: mail of %s: %w", s.d.Name, referralID, err)
	}
	defer rows.Close()
	out := []*referral.Mail{}
	for rows.Next() {
		m, err := scanMail(rows)
		if err != nil {
			return nil, fmt.Errorf("%s: mail of %s: %w", s.d.Name, referralID, err)
		}
		out = append(out, m)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("%s: mail of %s: %w", s.d.Name, referralID, err)
	}
	return out, nil
}

// ClaimMail leases to owner, until now+lease, up to n emails that are due
// at now and not leased by a worker whose lease still runs, counts an
// attempt on each and returns them, oldest due first. On PostgreSQL the
// rows are chosen with FOR UPDATE SKIP LOCKED, so that workers of several
// instances claiming at once never take the same email; on SQLite the
// write lock does the same. It returns a store error.
func (s *Store) ClaimMail(ctx context.Context, owner string, now time.Time, lease time.Duration, n int) ([]*referral.Mail, error) {
	now = referral.Timestamp(now)
	var out []*referral.Mail
	err := s.db.Tx(ctx, func(q Querier) error {
		rows, err := q.Query(ctx, `UPDATE outbox SET lease_owner = $1, lease_until = $2, attempts = attempts + 1
			WHERE id IN (SELECT id FROM outbox
				WHERE sent_at IS NULL AND failed_at IS NULL AND cancelled_at IS NULL
				AND next_attempt_at <= $3 AND (lease_until IS NULL OR lease_until <= $3)
				ORDER BY next_attempt_at, id LIMIT $4`+s.d.LockRows+`)
			RETURNING `+mailColumns, owner, now.Add(lease), now, n)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			m, err := scanMail(rows)
			if err != nil {
				return err
			}
			out = append(out, m)
		}
		return rows.Err()
	})
	if err != nil {
		return nil, fmt.Errorf("%s: claim mail: %w", s.d.Name, err)
	}
	// RETURNING gives no order; the oldest due go first.
	slices.SortFunc(out, func(a, b *referral.Mail) int {
		return cmp.Or(a.NextAttemptAt.Compare(b.NextAttemptAt), cmp.Compare(a.ID, b.ID))
	})
	return out, nil
}

// MarkMailSent records that owner sent email id at at, ends its lease
// and erases its body. It returns referral.ErrLeaseLost when owner no
// longer holds the email, or a store error.
func (s *Store) MarkMailSent(ctx context.Context, id, owner string, at time.Time) error {
	n, err := s.db.Exec(ctx, `UPDATE outbox SET sent_at = $1, body = '', lease_owner = '', lease_until = NULL, last_error = ''
		WHERE id = $2 AND lease_owner = $3 AND sent_at IS NULL`, referral.Timestamp(at), id, owner)
	if err != nil {
		return fmt.Errorf("%s: mark mail %s sent: %w", s.d.Name, id, err)
	}
	if n == 0 {
		return referral.ErrLeaseLost
	}
	return nil
}

// MarkMailFailed records that owner's attempt at email id failed for
// reason (an SMTP reply or network error, never the message): it is
// tried again at retryAt, or, with retryAt zero, given up at at, its body
// erased. It returns referral.ErrLeaseLost when owner no longer holds the
// email, or a store error.
func (s *Store) MarkMailFailed(ctx context.Context, id, owner string, at, retryAt time.Time, reason string) error {
	if len(reason) > 500 {
		reason = reason[:500]
	}
	var n int64
	var err error
	if retryAt.IsZero() {
		n, err = s.db.Exec(ctx, `UPDATE outbox SET failed_at = $1, body = '', last_error = $2, lease_owner = '', lease_until = NULL
			WHERE id = $3 AND lease_owner = $4 AND sent_at IS NULL`, referral.Timestamp(at), reason, id, owner)
	} else {
		n, err = s.db.Exec(ctx, `UPDATE outbox SET next_attempt_at = $1, last_error = $2, lease_owner = '', lease_until = NULL
			WHERE id = $3 AND lease_owner = $4 AND sent_at IS NULL`, referral.Timestamp(retryAt), reason, id, owner)
	}
	if err != nil {
		return fmt.Errorf("%s: mark mail %s failed: %w", s.d.Name, id, err)
	}
	if n == 0 {
		return referral.ErrLeaseLost
	}
	return nil
}

// OutboxDepth counts the outbox's emails by state, for /metrics: queued
// (not yet sent, given up or cancelled), retrying (queued after at least
// one failed attempt) and failed (given up for good). It returns a store
// error when the database fails.
func (s *Store) OutboxDepth(ctx context.Context) (queued, retrying, failed int64, err error) {
	err = s.db.QueryRow(ctx, `SELECT
		COUNT(CASE WHEN sent_at IS NULL AND failed_at IS NULL AND cancelled_at IS NULL THEN 1 END),
		COUNT(CASE WHEN sent_at IS NULL AND failed_at IS NULL AND cancelled_at IS NULL AND last_error <> '' THEN 1 END),
		COUNT(CASE WHEN failed_at IS NOT NULL THEN 1 END)
		FROM outbox`).Scan(&queued, &retrying, &failed)
	if err != nil {
		return 0, 0, 0, fmt.Errorf("%s: outbox depth: %w", s.d.Name, err)
	}
	return queued, retrying, failed, nil
}
