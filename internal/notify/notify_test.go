package notify_test

import (
	"context"
	"errors"
	"fmt"
	"net"
	"regexp"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"trellis/internal/apperr"
	"trellis/internal/auth"
	"trellis/internal/directory"
	"trellis/internal/notify"
	"trellis/internal/notify/smtptest"
	"trellis/internal/postgres"
	"trellis/internal/postgres/pgtest"
	"trellis/internal/referral"
	"trellis/internal/sqlite"
	"trellis/internal/testkit"
)

// store is what the tests need of a database: referrals and the outbox.
type store interface {
	referral.Store
	notify.Outbox
}

func openSQLite(t *testing.T) store {
	t.Helper()
	db, err := sqlite.Open(context.Background(), t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

// catalog is a directory with three services: a shelter whose listing
// names a referral intake email, a detox program whose organization does,
// and a pantry with no intake at all.
func catalog(t *testing.T) *directory.Catalog {
	t.Helper()
	cat := func(id string, parent *directory.Category, en, es string) *directory.Category {
		c := &directory.Category{ID: id, Parent: parent, Label: directory.Text{"en": en, "es": es}}
		if parent != nil {
			parent.Children = append(parent.Children, c)
		}
		return c
	}
	housing, food, su := cat("housing", nil, "Housing", "Vivienda"), cat("food", nil, "Food", "Comida"), cat("substance-use", nil, "Substance use", "Consumo de sustancias")
	cat("housing.emergency-shelter", housing, "Emergency shelter", "Albergue de emergencia")
	cat("food.pantry", food, "Food pantry", "Banco de alimentos")
	cat("substance-use.detox", su, "Detox", "Desintoxicación")
	tax := directory.NewTaxonomy([]*directory.Category{housing, food, su})
	harbor := &directory.Organization{ID: "harbor", Name: "Harbor House"}
	main := &directory.Location{ID: "main", Org: harbor}
	harbor.Locations = []*directory.Location{main}
	harbor.Services = []*directory.Service{
		{ID: "shelter", Name: "Overnight shelter", Org: harbor, Categories: []string{"housing.emergency-shelter"}, Locations: []*directory.Location{main},
			Referrals: &directory.Intake{Email: "intake@harbor.example.org", Phone: "202-555-0100"}},
		{ID: "pantry", Name: "Pantry", Org: harbor, Categories: []string{"food.pantry"}, Locations: []*directory.Location{main}},
	}
	clinic := &directory.Organization{ID: "clinic", Name: "River Clinic", Referrals: &directory.Intake{Email: "referrals@clinic.example.org"}}
	annex := &directory.Location{ID: "annex", Org: clinic}
	clinic.Locations = []*directory.Location{annex}
	clinic.Services = []*directory.Service{
		{ID: "detox", Name: "Detox program", Org: clinic, Categories: []string{"substance-use.detox"}, Locations: []*directory.Location{annex}},
	}
	c, err := directory.NewCatalog(directory.Info{}, tax, []*directory.Organization{harbor, clinic})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// base is the public address the tests' links start with.
const base = "https://trellis.example.org"

// service returns a referral service over db that emails agencies.
func service(t *testing.T, db referral.Store) *referral.Service {
	t.Helper()
	tpl, err := notify.NewTemplates()
	if err != nil {
		t.Fatal(err)
	}
	c := catalog(t)
	return &referral.Service{Store: db, Catalog: func() *directory.Catalog { return c }, Now: testkit.Now,
		Notify: &referral.Notify{Mailer: tpl, Organization: "Peer Support Network",
			LinkURL: func(token string) string { return base + "/agency/" + token }}}
}

// worker returns a worker that sends through srv, with short waits.
func worker(db notify.Outbox, srv *smtptest.Server, owner string) *notify.Worker {
	host, port, _ := net.SplitHostPort(srv.Addr)
	cfg, err := notify.ParseSMTPURL("smtp://"+net.JoinHostPort(host, port), "Trellis <trellis@example.org>")
	if err != nil {
		panic(err)
	}
	cfg.Timeout = 5 * time.Second
	return &notify.Worker{Outbox: db, Sender: notify.NewSMTP(*cfg), Owner: owner, Now: testkit.Now,
		Poll: 20 * time.Millisecond, Backoff: 20 * time.Millisecond, MaxBackoff: 200 * time.Millisecond, Lease: 30 * time.Second}
}

var ana = referral.Viewer{UserID: "u-ana", Email: "ana@peers.example.org"}

// shelterDraft is a referral with everything the email must leave out:
// notes and the peer's contact details, shared with the service.
func shelterDraft() referral.Draft {
	return referral.Draft{Need: "housing.emergency-shelter", ServiceKey: "harbor.shelter", Notes: "sleeps behind the library zebra",
		Consent: referral.Consent{Method: referral.ConsentVerbal, Scope: referral.ScopeShareWithService, Contact: true},
		Contact: &referral.Contact{Phone: "202-555-0143", Email: "peer.private@example.org"}}
}

// linkRE finds the agency link in an email.
var linkRE = regexp.MustCompile(regexp.QuoteMeta(base) + `/agency/([A-Za-z0-9_-]{43})`)

// TestAgencyEmail creates a referral to a listing with an intake email
// and checks that one email reaches a real SMTP server on loopback, with
// a link that works, the minimum the agency needs, and none of the notes
// or the peer's contact details; and that nothing goes out twice.
func TestAgencyEmail(t *testing.T) {
	ctx := context.Background()
	db := openSQLite(t)
	srv := smtptest.Start(t, smtptest.Options{})
	svc := service(t, db)
	w := worker(db, srv, "one")

	r, err := svc.Create(ctx, ana, shelterDraft())
	if err != nil {
		t.Fatal(err)
	}
	queued, err := db.Mail(ctx, r.ID)
	if err != nil || len(queued) != 1 || queued[0].To != "intake@harbor.example.org" || !queued[0].SentAt.IsZero() {
		t.Fatalf("queued mail = %+v, %v", queued, err)
	}
	if n, err := w.RunOnce(ctx); err != nil || n != 1 {
		t.Fatalf("RunOnce = %d, %v; want 1 sent", n, err)
	}
	if n, err := w.RunOnce(ctx); err != nil || n != 0 {
		t.Fatalf("second RunOnce = %d, %v; want nothing left", n, err)
	}
	msgs := srv.Messages()
	if len(msgs) != 1 {
		t.Fatalf("%d emails delivered, want 1", len(msgs))
	}
	m := msgs[0]
	body := m.Text()
	if len(m.To) != 1 || m.To[0] != "intake@harbor.example.org" || m.From != "trellis@example.org" {
		t.Errorf("envelope from %q to %v", m.From, m.To)
	}
	if got := m.Header("Reply-To"); !strings.Contains(got, "ana@peers.example.org") {
		t.Errorf("Reply-To %q, want the specialist", got)
	}
	if got := m.Header("Message-Id"); got != "<"+notify.MessageID(queued[0].ID, "trellis@example.org")+">" {
		t.Errorf("Message-ID %q", got)
	}
	for _, want := range []string{r.PeerRef, "Emergency shelter", "Overnight shelter", "Harbor House", "Peer Support Network", "ana@peers.example.org"} {
		if !strings.Contains(body, want) {
			t.Errorf("the email lacks %q:\n%s", want, body)
		}
	}
	for _, secret := range []string{"zebra", "library", "202-555-0143", "peer.private", "Part 2"} {
		if strings.Contains(body, secret) {
			t.Errorf("the email holds %q:\n%s", secret, body)
		}
	}
	match := linkRE.FindStringSubmatch(body)
	if match == nil {
		t.Fatalf("no agency link in the email:\n%s", body)
	}
	view, err := svc.AgencyReferral(ctx, match[1])
	if err != nil || view.ID != r.ID {
		t.Fatalf("the emailed link: %v, %v", view, err)
	}
	after, _ := db.Mail(ctx, r.ID)
	if len(after) != 1 || after[0].SentAt.IsZero() || after[0].Text != "" || after[0].Attempts != 1 {
		t.Errorf("after sending: %+v (want sent, body erased, one attempt)", after[0])
	}
	log, _ := db.AuditLog(ctx, referral.AuditFilter{ReferralID: r.ID})
	if len(log) < 2 || log[1].Action != referral.ActionLinkCreate {
		t.Errorf("the emailed link is not audited: %+v", log)
	}
}

func TestAgencyEmailRules(t *testing.T) {
	ctx := context.Background()
	db := openSQLite(t)
	srv := smtptest.Start(t, smtptest.Options{})
	svc := service(t, db)
	w := worker(db, srv, "one")
	signed := referral.Consent{Method: referral.ConsentWritten, Signature: referral.SignaturePaper, Part2Notice: true}

	// Part 2, in Spanish: the redisclosure notice goes with it.
	r, err := svc.Create(ctx, ana, referral.Draft{Need: "substance-use.detox", ServiceKey: "clinic.detox", Consent: signed, Lang: "es"})
	if err != nil {
		t.Fatal(err)
	}
	// No intake anywhere: nothing queued.
	quiet, err := svc.Create(ctx, ana, referral.Draft{Need: "food", ServiceKey: "harbor.pantry", Consent: referral.Consent{Method: referral.ConsentVerbal}})
	if err != nil {
		t.Fatal(err)
	}
	// The specialist names the agency's email.
	named, err := svc.Create(ctx, ana, referral.Draft{Need: "food", ServiceKey: "harbor.pantry", AgencyEmail: "desk@pantry.example.org",
		Consent: referral.Consent{Method: referral.ConsentVerbal}})
	if err != nil {
		t.Fatal(err)
	}
	// Cancelled before the worker ran: never sent, body erased.
	gone, err := svc.Create(ctx, ana, shelterDraft())
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := svc.Move(ctx, ana, gone.ID, referral.Change{To: referral.StatusCancelled}); err != nil {
		t.Fatal(err)
	}
	// Consent withdrawn before the worker ran: the same.
	withdrawn, err := svc.Create(ctx, ana, shelterDraft())
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := svc.WithdrawConsent(ctx, ana, withdrawn.ID, ""); err != nil {
		t.Fatal(err)
	}
	if _, err := w.RunOnce(ctx); err != nil {
		t.Fatal(err)
	}
	msgs := srv.Messages()
	if len(msgs) != 2 {
		t.Fatalf("%d emails, want 2 (Part 2, named agency)", len(msgs))
	}
	byTo := map[string]string{}
	for _, m := range msgs {
		byTo[m.To[0]] = m.Text()
	}
	es := byTo["referrals@clinic.example.org"]
	for _, want := range []string{"42 CFR", "Desintoxica", r.PeerRef, "Detox program"} {
		if !strings.Contains(es, want) {
			t.Errorf("the Part 2 email in Spanish lacks %q:\n%s", want, es)
		}
	}
	if !strings.Contains(byTo["desk@pantry.example.org"], named.PeerRef) {
		t.Errorf("the email to the named agency: %s", byTo["desk@pantry.example.org"])
	}
	if ms, _ := db.Mail(ctx, quiet.ID); len(ms) != 0 {
		t.Errorf("mail queued without any intake: %+v", ms)
	}
	for _, id := range []string{gone.ID, withdrawn.ID} {
		ms, _ := db.Mail(ctx, id)
		if len(ms) != 1 || ms[0].CancelledAt.IsZero() || !ms[0].SentAt.IsZero() || ms[0].Text != "" {
			t.Errorf("mail of a referral withdrawn before sending: %+v", ms)
		}
	}

	// An agency email that is no address, or on a server without mail.
	if _, err := svc.Create(ctx, ana, referral.Draft{Need: "food", ServiceKey: "harbor.pantry", AgencyEmail: "desk at pantry",
		Consent: referral.Consent{Method: referral.ConsentVerbal}}); apperr.As(err) == nil || apperr.As(err).Field != "agency_email" {
		t.Errorf("malformed agency email: %v", err)
	}
	plain := &referral.Service{Store: db, Now: testkit.Now}
	if _, err := plain.Create(ctx, ana, referral.Draft{Need: "food", ServiceKey: "harbor.pantry", AgencyEmail: "desk@pantry.example.org",
		Consent: referral.Consent{Method: referral.ConsentVerbal}}); apperr.CodeOf(err) != apperr.Unprocessable {
		t.Errorf("agency email without SMTP: error %v, want unprocessable", err)
	}
}

// waitFor polls cond every 10 ms until it holds or 20 s pass.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// TestServerDownThenBack sends while the SMTP server is down (connection
// refused), then while it refuses mail (451), and checks that the email
// goes out once the server takes mail again, retried with backoff, and
// only once.
func TestServerDownThenBack(t *testing.T) {
	ctx := context.Background()
	db := openSQLite(t)
	srv := smtptest.Start(t, smtptest.Options{})
	srv.Stop()
	svc := service(t, db)
	w := worker(db, srv, "one")
	r, err := svc.Create(ctx, ana, shelterDraft())
	if err != nil {
		t.Fatal(err)
	}
	runCtx, stop := context.WithCancel(ctx)
	done := make(chan struct{})
	go func() { defer close(done); _ = w.Run(runCtx) }()
	defer func() { stop(); <-done }()

	attempts := func() int {
		ms, _ := db.Mail(ctx, r.ID)
		return ms[0].Attempts
	}
	waitFor(t, "three refused connections", func() bool { return attempts() >= 3 })
	if ms, _ := db.Mail(ctx, r.ID); !strings.Contains(ms[0].LastError, "connection refused") || !ms[0].SentAt.IsZero() {
		t.Errorf("while down: %+v", ms[0])
	}
	srv.Refuse(true)
	srv.Restart()
	waitFor(t, "two refusals", func() bool { return srv.Refusals() >= 2 })
	if ms, _ := db.Mail(ctx, r.ID); !strings.Contains(ms[0].LastError, "451") || !ms[0].SentAt.IsZero() {
		t.Errorf("while refusing: %+v", ms[0])
	}
	srv.Refuse(false)
	waitFor(t, "the email", func() bool { return len(srv.Messages()) > 0 })
	waitFor(t, "the email marked sent", func() bool { ms, _ := db.Mail(ctx, r.ID); return !ms[0].SentAt.IsZero() })
	time.Sleep(100 * time.Millisecond) // a few more polls
	if n := len(srv.Messages()); n != 1 {
		t.Errorf("%d emails delivered, want exactly 1", n)
	}
	ms, _ := db.Mail(ctx, r.ID)
	t.Logf("delivered after %d attempts", ms[0].Attempts)
	if ms[0].Attempts < 6 || ms[0].LastError != "" {
		t.Errorf("sent mail: %+v", ms[0])
	}
}

// TestPermanentRefusal: a 550 is final at once; nothing is retried.
func TestPermanentRefusal(t *testing.T) {
	ctx := context.Background()
	db := openSQLite(t)
	srv := smtptest.Start(t, smtptest.Options{RejectCode: 550})
	svc := service(t, db)
	w := worker(db, srv, "one")
	r, err := svc.Create(ctx, ana, shelterDraft())
	if err != nil {
		t.Fatal(err)
	}
	if _, err := w.RunOnce(ctx); err != nil {
		t.Fatal(err)
	}
	time.Sleep(50 * time.Millisecond)
	if n, _ := w.RunOnce(ctx); n != 0 {
		t.Errorf("a mail refused for good was claimed again")
	}
	ms, _ := db.Mail(ctx, r.ID)
	if ms[0].FailedAt.IsZero() || ms[0].Attempts != 1 || !strings.Contains(ms[0].LastError, "550") || ms[0].Text != "" {
		t.Errorf("after a 550: %+v", ms[0])
	}
}

// TestGivesUpAfterMaxAttempts: temporary failures end in a final failure
// after MaxAttempts.
func TestGivesUpAfterMaxAttempts(t *testing.T) {
	ctx := context.Background()
	db := openSQLite(t)
	srv := smtptest.Start(t, smtptest.Options{})
	srv.Refuse(true)
	svc := service(t, db)
	w := worker(db, srv, "one")
	w.MaxAttempts = 3
	r, err := svc.Create(ctx, ana, shelterDraft())
	if err != nil {
		t.Fatal(err)
	}
	waitFor(t, "three attempts", func() bool {
		_, _ = w.RunOnce(ctx)
		ms, _ := db.Mail(ctx, r.ID)
		return !ms[0].FailedAt.IsZero()
	})
	ms, _ := db.Mail(ctx, r.ID)
	if ms[0].Attempts != 3 || srv.Refusals() != 3 {
		t.Errorf("gave up after %d attempts (%d refusals), want 3", ms[0].Attempts, srv.Refusals())
	}
}

// TestTwoInstancesSendOnce runs two delivery workers, each with its own
// connection pool, as two instances would, on one PostgreSQL schema, and
// checks that every email reaches the SMTP server exactly once.
func TestTwoInstancesSendOnce(t *testing.T) {
	ctx := context.Background()
	dsn := pgtest.FreshSchema(t)
	var dbs [2]*postgres.DB
	for i := range dbs {
		db, err := postgres.Open(ctx, dsn)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { db.Close() })
		dbs[i] = db
	}
	srv := smtptest.Start(t, smtptest.Options{})
	const n = 40
	svc := service(t, dbs[0])
	var ids []string
	for range n {
		r, err := svc.Create(ctx, ana, shelterDraft())
		if err != nil {
			t.Fatal(err)
		}
		ids = append(ids, r.ID)
	}
	runCtx, stop := context.WithCancel(ctx)
	var wg sync.WaitGroup
	claims := make([]*countingOutbox, len(dbs))
	for i, db := range dbs {
		claims[i] = &countingOutbox{Outbox: db}
		w := worker(claims[i], srv, fmt.Sprintf("instance-%d", i))
		// A slow server spreads the work over both instances.
		w.Sender = slowSender{w.Sender}
		w.Batch = 3
		wg.Add(1)
		go func() { defer wg.Done(); _ = w.Run(runCtx) }()
	}
	waitFor(t, "every email", func() bool { return len(srv.Messages()) >= n })
	time.Sleep(200 * time.Millisecond) // let both workers poll again
	stop()
	wg.Wait()

	seen := map[string]int{}
	for _, m := range srv.Messages() {
		seen[m.Header("Message-Id")]++
	}
	if len(srv.Messages()) != n || len(seen) != n {
		t.Errorf("%d emails with %d distinct Message-IDs, want %d of each", len(srv.Messages()), len(seen), n)
	}
	attempts := 0
	for _, id := range ids {
		ms, err := dbs[1].Mail(ctx, id)
		if err != nil || len(ms) != 1 || ms[0].SentAt.IsZero() {
			t.Fatalf("mail of %s: %+v, %v", id, ms, err)
		}
		attempts += ms[0].Attempts
	}
	if attempts != n {
		t.Errorf("%d attempts for %d emails: one was claimed twice", attempts, n)
	}
	t.Logf("instance 0 sent %d, instance 1 sent %d", claims[0].n.Load(), claims[1].n.Load())
	if claims[0].n.Load() == 0 || claims[1].n.Load() == 0 || claims[0].n.Load()+claims[1].n.Load() != n {
		t.Errorf("claims %d + %d, want both instances sending and %d in all", claims[0].n.Load(), claims[1].n.Load(), n)
	}
}

// countingOutbox counts the emails its worker claims.
type countingOutbox struct {
	notify.Outbox
	n atomic.Int64
}

func (c *countingOutbox) ClaimMail(ctx context.Context, owner string, now time.Time, lease time.Duration, n int) ([]*referral.Mail, error) {
	ms, err := c.Outbox.ClaimMail(ctx, owner, now, lease, n)
	c.n.Add(int64(len(ms)))
	return ms, err
}

// slowSender takes 5 ms more per email.
type slowSender struct{ notify.Sender }

func (s slowSender) Send(ctx context.Context, m *referral.Mail) error {
	time.Sleep(5 * time.Millisecond)
	return s.Sender.Send(ctx, m)
}

// TestSTARTTLSAndAuth checks that the sender upgrades to TLS when the
// server offers STARTTLS and signs in with the URL's credentials, which
// the server requires.
func TestSTARTTLSAndAuth(t *testing.T) {
	ctx := context.Background()
	db := openSQLite(t)
	srv := smtptest.Start(t, smtptest.Options{TLS: true, Username: "trellis", Password: "s3cret pass"})
	cfg, err := notify.ParseSMTPURL("smtp://trellis:s3cret%20pass@"+srv.Addr, "trellis@example.org")
	if err != nil {
		t.Fatal(err)
	}
	cfg.TLS = srv.ClientTLS()
	svc := service(t, db)
	if _, err := svc.Create(ctx, ana, shelterDraft()); err != nil {
		t.Fatal(err)
	}
	w := &notify.Worker{Outbox: db, Sender: notify.NewSMTP(*cfg), Now: testkit.Now}
	if n, err := w.RunOnce(ctx); err != nil || n != 1 {
		t.Fatalf("RunOnce = %d, %v", n, err)
	}
	msgs := srv.Messages()
	if len(msgs) != 1 || !msgs[0].TLS || msgs[0].User != "trellis" {
		t.Fatalf("delivered %+v, want one email over TLS signed in as trellis", msgs)
	}
	// A wrong password is no delivery, and the error names no password.
	bad := *cfg
	bad.Password = "wrong pass"
	if _, err := svc.Create(ctx, ana, shelterDraft()); err != nil {
		t.Fatal(err)
	}
	err = notify.NewSMTP(bad).Send(ctx, &referral.Mail{ID: "X", To: "a@example.org", Subject: "s", Text: "t"})
	if err == nil || strings.Contains(err.Error(), "wrong pass") {
		t.Errorf("send with a wrong password: %v", err)
	}
}

func TestParseSMTPURL(t *testing.T) {
	tests := []struct {
		raw, from     string
		host          string
		port          int
		user, pass    string
		implicit      bool
		wantErr, says string
	}{
		{raw: "smtp://mail.example.org", from: "trellis@example.org", host: "mail.example.org", port: 587},
		{raw: "smtp://ana:p%40ss@mail.example.org:2525", from: "Trellis <trellis@example.org>", host: "mail.example.org", port: 2525, user: "ana", pass: "p@ss"},
		{raw: "smtps://ana:pw@mail.example.org", from: "trellis@example.org", host: "mail.example.org", port: 465, user: "ana", pass: "pw", implicit: true},
		{raw: "http://mail.example.org", from: "trellis@example.org", wantErr: "smtp://"},
		{raw: "smtp://", from: "trellis@example.org", wantErr: "no host"},
		{raw: "smtp://ana:topsecret@mail.example.org:99999", from: "trellis@example.org", wantErr: "port"},
		{raw: "smtp://mail.example.org/path", from: "trellis@example.org", wantErr: "no path"},
		{raw: "smtp://mail.example.org", from: "trellis", wantErr: "not an email address"},
		{raw: "smtp://ana:top%zzsecret@mail.example.org", from: "trellis@example.org", wantErr: "cannot be parsed"},
	}
	for _, tc := range tests {
		t.Run(tc.raw, func(t *testing.T) {
			c, err := notify.ParseSMTPURL(tc.raw, tc.from)
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) || strings.Contains(err.Error(), "secret") {
					t.Errorf("error %v, want one saying %q without the password", err, tc.wantErr)
				}
				return
			}
			if err != nil || c.Host != tc.host || c.Port != tc.port || c.Username != tc.user || c.Password != tc.pass || c.ImplicitTLS != tc.implicit {
				t.Errorf("ParseSMTPURL = %+v, %v", c, err)
			}
		})
	}
}

func TestTemplates(t *testing.T) {
	tpl, err := notify.NewTemplates()
	if err != nil {
		t.Fatal(err)
	}
	exp := time.Date(2026, 3, 14, 12, 0, 0, 0, time.UTC)
	tests := []struct {
		lang      string
		part2     bool
		subject   string
		wants     []string
		forbidden []string
	}{
		{"en", false, "New referral to Overnight shelter from Peer Support Network", []string{"P-7K3QW", "Emergency shelter", "March 14, 2026", "https://x/agency/T", "ana@peers.example.org"}, []string{"42 CFR", "<no value>"}},
		{"es", false, "Nueva remisión a Overnight shelter de Peer Support Network", []string{"Código de la remisión: P-7K3QW", "14 de marzo de 2026"}, []string{"42 CFR", "<no value>"}},
		{"en", true, "", []string{"42 CFR PART 2 PROHIBITS REDISCLOSURE", referral.RedisclosureNotice("en")}, nil},
		{"es", true, "", []string{"42 CFR PARTE 2", referral.RedisclosureNotice("es")}, nil},
		{"fr", false, "New referral", []string{"Referral code"}, nil},
	}
	for _, tc := range tests {
		t.Run(fmt.Sprintf("%s part2=%v", tc.lang, tc.part2), func(t *testing.T) {
			n := referral.AgencyNotice{Lang: tc.lang, LinkURL: "https://x/agency/T", LinkExpiresAt: exp, PeerRef: "P-7K3QW", Need: "Emergency shelter",
				Service: "Overnight shelter", Agency: "Harbor House", ReferringOrg: "Peer Support Network", SpecialistEmail: "ana@peers.example.org", Part2: tc.part2}
			if tc.part2 {
				n.RedisclosureNotice = referral.RedisclosureNotice(tc.lang)
			}
			subject, body, err := tpl.AgencyReferral(n)
			if err != nil {
				t.Fatal(err)
			}
			if !strings.HasPrefix(subject, tc.subject) || strings.Contains(subject, "P-7K3QW") {
				t.Errorf("subject %q, want it to start %q without the pseudonym", subject, tc.subject)
			}
			for _, w := range tc.wants {
				if !strings.Contains(body, w) {
					t.Errorf("body lacks %q:\n%s", w, body)
				}
			}
			for _, f := range tc.forbidden {
				if strings.Contains(body, f) {
					t.Errorf("body has %q:\n%s", f, body)
				}
			}
		})
	}
}

// TestAnswerEmail checks that a specialist who asked for it gets one
// email, through a real SMTP server on loopback, when the agency answers:
// with the answer and a link to the referral, without the agency's note.
func TestAnswerEmail(t *testing.T) {
	ctx := context.Background()
	db := openSQLite(t)
	if err := db.(auth.Store).CreateUser(ctx, &auth.User{ID: ana.UserID, Email: ana.Email, Role: auth.RoleSpecialist, PasswordHash: "x", CreatedAt: testkit.Now()}); err != nil {
		t.Fatal(err)
	}
	srv := smtptest.Start(t, smtptest.Options{})
	svc := service(t, db)
	svc.Notify.ReferralURL = func(id string) string { return base + "/app/referrals/" + id }
	w := worker(db, srv, "one")
	if err := svc.SetAnswerMail(ctx, ana, true, "es"); err != nil {
		t.Fatal(err)
	}
	r, err := svc.Create(ctx, ana, referral.Draft{Need: "food", ServiceKey: "harbor.pantry", Consent: referral.Consent{Method: referral.ConsentVerbal}})
	if err != nil {
		t.Fatal(err)
	}
	token, _, err := svc.CreateAgencyLink(ctx, ana, r.ID)
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := svc.AgencyMove(ctx, token, referral.Change{To: referral.StatusDeclined, Note: "full until March, zebra"}); err != nil {
		t.Fatal(err)
	}
	if n, err := w.RunOnce(ctx); err != nil || n != 1 {
		t.Fatalf("RunOnce = %d, %v; want 1 sent", n, err)
	}
	msgs := srv.Messages()
	if len(msgs) != 1 || len(msgs[0].To) != 1 || msgs[0].To[0] != ana.Email {
		t.Fatalf("delivered %+v, want one email to %s", msgs, ana.Email)
	}
	body := msgs[0].Text()
	for _, want := range []string{r.PeerRef, "Pantry", "rechazada", base + "/app/referrals/" + r.ID} {
		if !strings.Contains(body, want) {
			t.Errorf("the answer email lacks %q:\n%s", want, body)
		}
	}
	if strings.Contains(body, "zebra") || strings.Contains(body, "March") {
		t.Errorf("the answer email holds the agency's note:\n%s", body)
	}
	if subj := msgs[0].Header("Subject"); strings.Contains(subj, r.PeerRef) {
		t.Errorf("the subject %q holds the pseudonym", subj)
	}
}

func TestAnswerTemplates(t *testing.T) {
	tpl, err := notify.NewTemplates()
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name    string
		n       referral.AnswerNotice
		subject string
		wants   []string
	}{
		{"english", referral.AnswerNotice{Lang: "en", PeerRef: "P-7K3QW", Service: "Pantry", Agency: "Harbor House", Status: referral.StatusAccepted, ReferralURL: "https://x/app/referrals/R"},
			"Harbor House accepted your referral to Pantry", []string{"P-7K3QW", "accepted", "https://x/app/referrals/R"}},
		{"spanish, no address", referral.AnswerNotice{Lang: "es", PeerRef: "P-7K3QW", Service: "Pantry", Status: referral.StatusCompleted},
			"Su remisión a Pantry: completada por la agencia", []string{"P-7K3QW", "Mis remisiones"}},
		{"another language", referral.AnswerNotice{Lang: "fr", PeerRef: "P-7K3QW", Service: "Pantry", Agency: "Harbor", Status: referral.StatusDeclined},
			"Harbor declined your referral to Pantry", []string{"My referrals"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			subject, body, err := tpl.AgencyAnswer(tc.n)
			if err != nil {
				t.Fatal(err)
			}
			if subject != tc.subject {
				t.Errorf("subject %q, want %q", subject, tc.subject)
			}
			for _, w := range tc.wants {
				if !strings.Contains(body, w) {
					t.Errorf("body lacks %q:\n%s", w, body)
				}
			}
			if strings.Contains(body, "<no value>") {
				t.Errorf("body has an empty field:\n%s", body)
			}
		})
	}
	if _, _, err := tpl.AgencyAnswer(referral.AnswerNotice{Lang: "en", Status: referral.StatusCancelled}); err == nil {
		t.Error("an answer the agency cannot give was composed")
	}
}

// A lost lease is reported, not hidden.
func TestLeaseLost(t *testing.T) {
	ctx := context.Background()
	db := openSQLite(t)
	svc := service(t, db)
	r, err := svc.Create(ctx, ana, shelterDraft())
	if err != nil {
		t.Fatal(err)
	}
	now := testkit.Now()
	ms, err := db.ClaimMail(ctx, "a", now, time.Second, 5)
	if err != nil || len(ms) != 1 {
		t.Fatalf("claim: %v, %v", ms, err)
	}
	if again, _ := db.ClaimMail(ctx, "b", now, time.Second, 5); len(again) != 0 {
		t.Errorf("a leased mail was claimed again: %+v", again)
	}
	// The lease runs out; b takes it; a's report is refused.
	taken, _ := db.ClaimMail(ctx, "b", now.Add(2*time.Second), time.Minute, 5)
	if len(taken) != 1 || taken[0].Attempts != 2 {
		t.Fatalf("after the lease: %+v", taken)
	}
	if err := db.MarkMailSent(ctx, ms[0].ID, "a", now); !errors.Is(err, referral.ErrLeaseLost) {
		t.Errorf("report by the old holder: %v, want ErrLeaseLost", err)
	}
	if err := db.MarkMailSent(ctx, ms[0].ID, "b", now); err != nil {
		t.Errorf("report by the holder: %v", err)
	}
	got, _ := db.Mail(ctx, r.ID)
	if got[0].SentAt.IsZero() {
		t.Errorf("not marked sent: %+v", got[0])
	}
}
