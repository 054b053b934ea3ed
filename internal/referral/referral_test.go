package referral_test

import (
	"bytes"
	"errors"
	"image"
	"image/color"
	"image/png"
	"reflect"
	"regexp"
	"strings"
	"testing"
	"time"

	"trellis/internal/apperr"
	"trellis/internal/referral"
)

var t0 = time.Date(2025, 3, 14, 15, 9, 26, 535897123, time.UTC)

func TestAllowedNext(t *testing.T) {
	S := referral.Statuses
	tests := []struct {
		name     string
		from     referral.Status
		want     []referral.Status
		terminal bool
	}{
		{"sent", referral.StatusSent, []referral.Status{referral.StatusAccepted, referral.StatusDeclined, referral.StatusCancelled, referral.StatusExpired}, false},
		{"accepted", referral.StatusAccepted, []referral.Status{referral.StatusCompleted, referral.StatusNoShow, referral.StatusCancelled, referral.StatusExpired}, false},
		{"declined", referral.StatusDeclined, []referral.Status{}, true},
		{"completed", referral.StatusCompleted, []referral.Status{}, true},
		{"no show", referral.StatusNoShow, []referral.Status{}, true},
		{"cancelled", referral.StatusCancelled, []referral.Status{}, true},
		{"expired", referral.StatusExpired, []referral.Status{}, true},
		{"unknown", referral.Status("lost"), []referral.Status{}, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := referral.AllowedNext(tc.from)
			if !reflect.DeepEqual(got, tc.want) {
				t.Errorf("AllowedNext = %v, want %v", got, tc.want)
			}
			if tc.from.Terminal() != tc.terminal {
				t.Errorf("Terminal = %v", !tc.terminal)
			}
			for _, to := range S {
				want := false
				for _, w := range tc.want {
					want = want || w == to
				}
				if referral.CanMove(tc.from, to) != want {
					t.Errorf("CanMove(%s, %s) = %v", tc.from, to, !want)
				}
			}
			// The result is the caller's to modify.
			if len(got) > 0 {
				got[0] = "x"
				if referral.AllowedNext(tc.from)[0] == "x" {
					t.Error("AllowedNext shares its slice")
				}
			}
		})
	}
}

func TestParseStatus(t *testing.T) {
	tests := []struct {
		in   string
		want referral.Status
		ok   bool
	}{
		{"accepted", referral.StatusAccepted, true},
		{" no_show ", referral.StatusNoShow, true},
		{"Accepted", "", false},
		{"", "", false},
	}
	for _, tc := range tests {
		t.Run(tc.in, func(t *testing.T) {
			got, err := referral.ParseStatus(tc.in)
			if got != tc.want || (err == nil) != tc.ok {
				t.Errorf("ParseStatus = %q, %v", got, err)
			}
			if !tc.ok && apperr.As(err).Field != "status" {
				t.Errorf("error field = %q", apperr.As(err).Field)
			}
		})
	}
}

func TestTransitionErrorIsConflictWithAllowed(t *testing.T) {
	err := referral.CheckMove("R1", referral.StatusCompleted, referral.StatusAccepted)
	e := apperr.As(err)
	if e == nil || e.Code != apperr.Conflict {
		t.Fatalf("apperr = %v, want conflict", e)
	}
	if got := e.Details["allowed"]; !reflect.DeepEqual(got, []referral.Status{}) {
		t.Errorf("allowed = %#v, want empty list", got)
	}
	if got := e.Details["status"]; got != referral.StatusCompleted {
		t.Errorf("status = %v", got)
	}
	err = referral.CheckMove("R1", referral.StatusSent, referral.StatusCompleted)
	if got := apperr.As(err).Details["allowed"]; !reflect.DeepEqual(got, referral.AllowedNext(referral.StatusSent)) {
		t.Errorf("allowed = %v", got)
	}
	if !strings.Contains(err.Error(), "R1") {
		t.Errorf("error %q does not name the referral", err)
	}
	if referral.CheckMove("R1", referral.StatusSent, referral.StatusAccepted) != nil {
		t.Error("allowed move refused")
	}
}

func TestPseudonyms(t *testing.T) {
	seen := map[string]bool{}
	form := regexp.MustCompile(`^P-[` + referral.PseudonymAlphabet + `]{5}$`)
	for range 2000 {
		p := referral.NewPseudonym()
		if !form.MatchString(p) || len(p) != referral.PseudonymLen {
			t.Fatalf("NewPseudonym = %q, want P- and five characters of %s", p, referral.PseudonymAlphabet)
		}
		if !referral.IsPseudonym(p) || !referral.IsPseudonym(strings.ToLower(p)) {
			t.Fatalf("IsPseudonym(%q) = false for an issued pseudonym", p)
		}
		seen[p] = true
	}
	// 2000 draws from 279,841 codes repeat about 7 times; 25 or more
	// would take odds below one in a billion.
	if len(seen) < 1975 {
		t.Errorf("2000 pseudonyms gave only %d distinct ones", len(seen))
	}
	if strings.ContainsAny(referral.PseudonymAlphabet, "01ILOAEUYZSGB") {
		t.Errorf("alphabet %q has a look-alike or a vowel", referral.PseudonymAlphabet)
	}
	// The check character catches every single mistyped character and
	// every swap of two different neighbours.
	p := "P-7K3QW"
	if !referral.IsPseudonym(p) {
		t.Fatalf("%s is not valid", p)
	}
	for i := 2; i < len(p); i++ {
		for _, c := range referral.PseudonymAlphabet {
			if byte(c) == p[i] {
				continue
			}
			typo := p[:i] + string(c) + p[i+1:]
			if referral.IsPseudonym(typo) {
				t.Errorf("typo %s passes the check", typo)
			}
		}
		if i+1 < len(p) && p[i] != p[i+1] {
			swap := p[:i] + string(p[i+1]) + string(p[i]) + p[i+2:]
			if referral.IsPseudonym(swap) {
				t.Errorf("swap %s passes the check", swap)
			}
		}
	}
}

func TestCheckPeerRef(t *testing.T) {
	pattern, err := referral.ParsePeerRefPattern(`C-[0-9]{5}`)
	if err != nil {
		t.Fatalf("ParsePeerRefPattern: %v", err)
	}
	tests := []struct {
		name    string
		ref     string
		pattern *regexp.Regexp
		want    string // "" with why == "" means empty accepted
		why     string // a word the refusal must contain
	}{
		{"empty is issued later", "", nil, "", ""},
		{"issued pseudonym", "P-7K3QW", nil, "P-7K3QW", ""},
		{"issued, typed lowercase with spaces", " p-7k3qw ", nil, "P-7K3QW", ""},
		{"issued, with a typo", "P-7K3QX", nil, "", "mistyped"},
		{"client id with pattern", "C-10293", pattern, "C-10293", ""},
		{"client id without pattern", "C-10293", nil, "", "record"},
		{"pseudonym with pattern", "P-7K3QW", pattern, "P-7K3QW", ""},
		{"free text with pattern", "JD-17", pattern, "", "client id"},
		{"initials and a number", "JD-17", nil, "", "free text"},
		{"JohnSmith", "JohnSmith", nil, "", "name"},
		{"John.Smith", "John.Smith", nil, "", "name"},
		{"Maria_Garcia_DOB1990", "Maria_Garcia_DOB1990", nil, "", "birth"},
		{"202.555.0199", "202.555.0199", nil, "", "phone"},
		{"Jan-02-1990", "Jan-02-1990", nil, "", "date"},
		{"MRN12345", "MRN12345", nil, "", "record"},
		{"John Smith", "John Smith", nil, "", "name"},
		{"jd@example.org", "jd@example.org", nil, "", "email"},
		{"1990-01-02", "1990-01-02", nil, "", "date"},
		{"José", "José", nil, "", "name"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := referral.CheckPeerRef(tc.ref, tc.pattern)
			if tc.why == "" {
				if err != nil || got != tc.want {
					t.Fatalf("CheckPeerRef = %q, %v; want %q", got, err, tc.want)
				}
				return
			}
			e := apperr.As(err)
			if e == nil || e.Code != apperr.Unprocessable || e.Field != "peer_ref" {
				t.Fatalf("CheckPeerRef = %q, %v; want an unprocessable peer_ref error", got, err)
			}
			if !strings.Contains(e.Message, tc.why) || !strings.Contains(e.Message, "P-7K3QW") {
				t.Errorf("message %q does not say %q and how to get a pseudonym", e.Message, tc.why)
			}
			if len(tc.ref) > 3 && strings.Contains(e.Message, strings.TrimSpace(tc.ref)) {
				t.Errorf("message repeats the value: %q", e.Message)
			}
		})
	}
}

// TestCheckPeerRefDetails checks what a refusal's details tell a page
// that explains it in its own language.
func TestCheckPeerRefDetails(t *testing.T) {
	pattern := regexp.MustCompile(`^C-[0-9]{5}$`)
	tests := []struct {
		name, ref string
		pattern   *regexp.Regexp
		problem   string
		looksLike []string
	}{
		{"mistyped", "P-7K3QX", nil, referral.PeerRefMistyped, nil},
		{"JohnSmith", "JohnSmith", nil, referral.PeerRefPersonal, []string{referral.LooksLikeName}},
		{"John.Smith", "John.Smith", nil, referral.PeerRefPersonal, []string{referral.LooksLikeName}},
		{"Maria_Garcia_DOB1990", "Maria_Garcia_DOB1990", nil, referral.PeerRefPersonal, []string{referral.LooksLikeName, referral.LooksLikeBirthYear}},
		{"202.555.0199", "202.555.0199", nil, referral.PeerRefPersonal, []string{referral.LooksLikePhone}},
		{"Jan-02-1990", "Jan-02-1990", nil, referral.PeerRefPersonal, []string{referral.LooksLikeDate}},
		{"MRN12345", "MRN12345", nil, referral.PeerRefPersonal, []string{referral.LooksLikeRecord}},
		{"jd@example.org", "jd@example.org", nil, referral.PeerRefPersonal, []string{referral.LooksLikeEmail}},
		{"initials", "JD-17", pattern, referral.PeerRefFreeText, nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := referral.CheckPeerRef(tc.ref, tc.pattern)
			e := apperr.As(err)
			if e == nil {
				t.Fatalf("CheckPeerRef(%q) accepted it", tc.ref)
			}
			if e.Details["problem"] != tc.problem || e.Details["pattern"] != (tc.pattern != nil) {
				t.Errorf("details %v, want problem %q", e.Details, tc.problem)
			}
			got, _ := e.Details["looks_like"].([]string)
			if !reflect.DeepEqual(got, tc.looksLike) {
				t.Errorf("looks_like %q, want %q", got, tc.looksLike)
			}
		})
	}
}

func TestParsePeerRefPattern(t *testing.T) {
	tests := []struct {
		name, expr string
		ok         bool
		says       string
	}{
		{"client ids", `C-[0-9]{5}`, true, ""},
		{"case numbers with a prefix", `(?:HOU|FD)-[0-9]{3,6}`, true, ""},
		{"does not compile", `C-[0-9`, false, "compile"},
		{"empty", ` `, false, "empty"},
		{"anything", `.+`, false, "name"},
		{"letters", `[A-Za-z.]+`, false, "name"},
		{"digits and dots", `[0-9.]+`, false, "phone"},
		{"record numbers", `[A-Z]{3}[0-9]{5}`, false, "record"},
		{"dates", `[A-Za-z]{3}-[0-9]{2}-[0-9]{4}`, false, "date"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			re, err := referral.ParsePeerRefPattern(tc.expr)
			if tc.ok {
				if err != nil || re == nil {
					t.Fatalf("ParsePeerRefPattern = %v", err)
				}
				if re.MatchString("x" + "C-12345") {
					t.Error("the pattern is not anchored")
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tc.says) {
				t.Errorf("error %v, want one saying %q", err, tc.says)
			}
		})
	}
}

func TestRequiresPart2(t *testing.T) {
	tests := []struct {
		name     string
		need     string
		services []string
		want     bool
	}{
		{"need is substance use", "substance-use", nil, true},
		{"need is a subcategory", "substance-use.detox", []string{"healthcare.primary-care"}, true},
		{"service is substance use", "mental-health", []string{"mental-health.counseling", "substance-use.outpatient"}, true},
		{"neither", "housing", []string{"housing.emergency-shelter"}, false},
		{"lookalike prefix", "substance-user", []string{"substance-use-adjacent"}, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := referral.RequiresPart2(tc.need, tc.services); got != tc.want {
				t.Errorf("RequiresPart2 = %v", got)
			}
		})
	}
}

func draft() referral.Draft {
	return referral.Draft{PeerRef: "P-JD27K", Need: "housing", ServiceKey: "harbor.shelter", LocationID: "main",
		Notes: "secret note", Consent: referral.Consent{Method: referral.ConsentVerbal}}
}

func TestNew(t *testing.T) {
	r, ev, err := referral.New(draft(), "u-ana", "team-1", t0)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	now := t0.Truncate(time.Microsecond)
	want := &referral.Referral{ID: r.ID, PeerRef: "P-JD27K", Need: "housing", ServiceKey: "harbor.shelter", LocationID: "main",
		SpecialistID: "u-ana", TeamID: "team-1", Notes: "secret note", Status: referral.StatusSent, CreatedAt: now, UpdatedAt: now,
		Consent: referral.Consent{Method: referral.ConsentVerbal, Scope: referral.ScopeThisReferral, GivenAt: now, RecordedBy: "u-ana"}}
	if !reflect.DeepEqual(r, want) {
		t.Errorf("New =\n %+v\nwant\n %+v", r, want)
	}
	wantEv := referral.Event{ID: ev.ID, ReferralID: r.ID, At: now, Actor: referral.UserActor("u-ana"), To: referral.StatusSent}
	if !reflect.DeepEqual(ev, wantEv) {
		t.Errorf("first event = %+v", ev)
	}
	if !regexp.MustCompile(`^[A-Z2-7]{26}$`).MatchString(r.ID) || r.ID == ev.ID {
		t.Errorf("ids %q, %q", r.ID, ev.ID)
	}
}

func TestNewRejects(t *testing.T) {
	tests := []struct {
		name  string
		edit  func(*referral.Draft)
		field string
	}{
		{"peer ref", func(d *referral.Draft) { d.PeerRef = "Jane Doe 01/02/1990" }, "peer_ref"},
		{"free-text peer ref", func(d *referral.Draft) { d.PeerRef = "JD-17" }, "peer_ref"},
		{"need", func(d *referral.Draft) { d.Need = "Housing!" }, "need"},
		{"service", func(d *referral.Draft) { d.ServiceKey = "shelter" }, "service_id"},
		{"location", func(d *referral.Draft) { d.LocationID = "Main St" }, "location_id"},
		{"notes", func(d *referral.Draft) { d.Notes = strings.Repeat("x", referral.MaxNotes+1) }, "notes"},
		{"no consent method", func(d *referral.Draft) { d.Consent.Method = "" }, "consent.method"},
		{"bad consent method", func(d *referral.Draft) { d.Consent.Method = "implied" }, "consent.method"},
		{"bad scope", func(d *referral.Draft) { d.Consent.Scope = "everyone" }, "consent.scope"},
		{"consent in the future", func(d *referral.Draft) { d.Consent.GivenAt = t0.Add(time.Hour) }, "consent.given_at"},
		{"consent in 1999", func(d *referral.Draft) { d.Consent.GivenAt = time.Date(1999, 1, 1, 0, 0, 0, 0, time.UTC) }, "consent.given_at"},
		{"consent 31 days back", func(d *referral.Draft) { d.Consent.GivenAt = t0.Add(-31 * 24 * time.Hour) }, "consent.given_at"},
		{"signature with verbal consent", func(d *referral.Draft) { d.Consent.Signature = referral.SignaturePaper }, "consent.signature"},
		{"unknown signature", func(d *referral.Draft) {
			d.Consent.Method, d.Consent.Signature = referral.ConsentWritten, "thumbprint"
		}, "consent.signature"},
		{"electronic signature without image", func(d *referral.Draft) {
			d.Consent.Method, d.Consent.Signature = referral.ConsentWritten, referral.SignatureElectronic
		}, "consent.signature_image"},
		{"electronic signature not a PNG", func(d *referral.Draft) {
			d.Consent.Method, d.Consent.Signature, d.Consent.SignatureImage = referral.ConsentWritten, referral.SignatureElectronic, []byte("GIF89a....")
		}, "consent.signature_image"},
		{"signature image without electronic signature", func(d *referral.Draft) {
			d.Consent.Method, d.Consent.Signature, d.Consent.SignatureImage = referral.ConsentWritten, referral.SignaturePaper, signaturePNG(t)
		}, "consent.signature_image"},
		{"contact without consent", func(d *referral.Draft) { d.Contact = &referral.Contact{Phone: "202-555-0100"} }, "contact"},
		{"consent without contact", func(d *referral.Draft) { d.Consent.Contact = true }, "contact"},
		{"bad phone", func(d *referral.Draft) {
			d.Consent.Contact = true
			d.Contact = &referral.Contact{Phone: "call me"}
		}, "contact.phone"},
		{"bad email", func(d *referral.Draft) {
			d.Consent.Contact = true
			d.Contact = &referral.Contact{Email: "Jane <jd@example.org>"}
		}, "contact.email"},
		{"part 2 need, verbal", func(d *referral.Draft) { d.Need = "substance-use.detox" }, "consent.method"},
		{"part 2 service, verbal", func(d *referral.Draft) { d.ServiceCategories = []string{"substance-use.outpatient"} }, "consent.method"},
		{"part 2, verbal with notice", func(d *referral.Draft) {
			d.Need, d.Consent.Part2Notice = "substance-use", true
		}, "consent.method"},
		{"part 2, written but unsigned", func(d *referral.Draft) {
			d.Need, d.Consent.Method, d.Consent.Part2Notice = "substance-use", referral.ConsentWritten, true
		}, "consent.signature"},
		{"part 2, signed but no notice", func(d *referral.Draft) {
			d.Need, d.Consent.Method, d.Consent.Signature = "substance-use", referral.ConsentWritten, referral.SignaturePaper
		}, "consent.part2_notice"},
		{"part 2, consent from 1999", func(d *referral.Draft) {
			d.Need, d.Consent = "substance-use", referral.Consent{Method: referral.ConsentWritten, Signature: referral.SignaturePaper, Part2Notice: true,
				GivenAt: time.Date(1999, 1, 1, 0, 0, 0, 0, time.UTC)}
		}, "consent.given_at"},
		{"part 2, consent tomorrow", func(d *referral.Draft) {
			d.Need, d.Consent = "substance-use", referral.Consent{Method: referral.ConsentWritten, Signature: referral.SignaturePaper, Part2Notice: true,
				GivenAt: t0.Add(24 * time.Hour)}
		}, "consent.given_at"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			d := draft()
			tc.edit(&d)
			_, _, err := referral.New(d, "u-ana", "", t0)
			e := apperr.As(err)
			if e == nil || (e.Code != apperr.Invalid && e.Code != apperr.Unprocessable) || e.Field != tc.field {
				t.Fatalf("error %v, want invalid or unprocessable %s", err, tc.field)
			}
			for _, v := range []string{d.PeerRef, d.Notes, "202-555-0100", "jd@example.org", "call me"} {
				if len(v) > 3 && strings.Contains(err.Error(), v) && tc.field != "need" {
					t.Errorf("error repeats a value: %v", err)
				}
			}
		})
	}
	if _, _, err := referral.New(draft(), "", "", t0); err == nil {
		t.Error("New without a specialist succeeded")
	}
}

func TestGivenAtProblem(t *testing.T) {
	base := referral.Draft{Need: "food", ServiceKey: "harbor.pantry", Consent: referral.Consent{Method: referral.ConsentVerbal}}
	for _, tc := range []struct {
		name  string
		given time.Time
		want  string
	}{
		{"tomorrow", t0.Add(24 * time.Hour), referral.GivenInFuture},
		{"31 days back", t0.Add(-31 * 24 * time.Hour), referral.GivenTooLongAgo},
	} {
		t.Run(tc.name, func(t *testing.T) {
			d := base
			d.Consent.GivenAt = tc.given
			_, _, err := referral.New(d, "u-ana", "", t0)
			if e := apperr.As(err); e == nil || e.Field != "consent.given_at" || e.Details["problem"] != tc.want {
				t.Errorf("New = %v, want consent.given_at with problem %q", err, tc.want)
			}
		})
	}
}

func TestNewAccepts(t *testing.T) {
	given := t0.Add(-time.Hour)
	tests := []struct {
		name  string
		edit  func(*referral.Draft)
		check func(*referral.Referral) bool
	}{
		{"contact with consent", func(d *referral.Draft) {
			d.Consent.Contact = true
			d.Contact = &referral.Contact{Phone: " +1 (202) 555-0100 ", Email: "jd@example.org"}
		}, func(r *referral.Referral) bool {
			return r.Contact != nil && r.Contact.Phone == "+1 (202) 555-0100" && r.Contact.Email == "jd@example.org"
		}},
		{"empty contact without consent", func(d *referral.Draft) { d.Contact = &referral.Contact{} }, func(r *referral.Referral) bool { return r.Contact == nil }},
		{"part 2, paper on file, with notice", func(d *referral.Draft) {
			d.Need = "substance-use"
			d.Consent = referral.Consent{Method: referral.ConsentWritten, Signature: referral.SignaturePaper, Part2Notice: true, GivenAt: t0.Add(-29 * 24 * time.Hour)}
		}, func(r *referral.Referral) bool {
			return r.Consent.Part2Notice && r.Consent.Signature == referral.SignaturePaper
		}},
		{"part 2, signed on the device", func(d *referral.Draft) {
			d.ServiceCategories = []string{"substance-use.outpatient"}
			d.Consent = referral.Consent{Method: referral.ConsentWritten, Signature: referral.SignatureElectronic, SignatureImage: signaturePNG(t), Part2Notice: true}
		}, func(r *referral.Referral) bool {
			return r.Consent.Signature == referral.SignatureElectronic && len(r.Consent.SignatureImage) > 0
		}},
		{"no peer ref: a pseudonym is issued", func(d *referral.Draft) { d.PeerRef = "" }, func(r *referral.Referral) bool {
			return referral.IsPseudonym(r.PeerRef)
		}},
		{"written, shared, earlier, by another", func(d *referral.Draft) {
			d.Consent = referral.Consent{Method: referral.ConsentWritten, Scope: referral.ScopeShareWithService, GivenAt: given, RecordedBy: "u-dee"}
		}, func(r *referral.Referral) bool {
			return r.Consent.Scope == referral.ScopeShareWithService && r.Consent.GivenAt.Equal(given.Truncate(time.Microsecond)) && r.Consent.RecordedBy == "u-dee"
		}},
		{"follow-up is a date", func(d *referral.Draft) {
			d.FollowUp = time.Date(2025, 3, 21, 23, 30, 0, 0, time.FixedZone("EST", -5*3600))
		}, func(r *referral.Referral) bool { return r.FollowUp.Equal(time.Date(2025, 3, 21, 0, 0, 0, 0, time.UTC)) }},
		{"spaces trimmed", func(d *referral.Draft) { d.PeerRef, d.Need = " p-jd27k ", " housing " }, func(r *referral.Referral) bool {
			return r.PeerRef == "P-JD27K" && r.Need == "housing"
		}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			d := draft()
			tc.edit(&d)
			r, _, err := referral.New(d, "u-ana", "", t0)
			if err != nil {
				t.Fatalf("New: %v", err)
			}
			if !tc.check(r) {
				t.Errorf("referral = %+v", r)
			}
		})
	}
}

// signaturePNG returns a small PNG image: a line drawn on white, as a
// signature pad would capture it.
func signaturePNG(t *testing.T) []byte {
	t.Helper()
	img := image.NewGray(image.Rect(0, 0, 300, 100))
	for i := range img.Pix {
		img.Pix[i] = 0xff
	}
	for x := 20; x < 280; x++ {
		img.SetGray(x, 50+(x%20)-10, color.Gray{})
	}
	var b bytes.Buffer
	if err := png.Encode(&b, img); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

func TestNewEvent(t *testing.T) {
	mk := func(s referral.Status) *referral.Referral {
		return &referral.Referral{ID: "R1", Status: s}
	}
	user, agency := referral.UserActor("u-ana"), referral.AgencyActor("L1")
	tests := []struct {
		name    string
		r       *referral.Referral
		actor   referral.Actor
		change  referral.Change
		to      referral.Status
		field   string   // invalid field expected
		allowed []string // TransitionError expected with these allowed moves
		stale   bool
	}{
		{"accept", mk(referral.StatusSent), user, referral.Change{To: referral.StatusAccepted}, referral.StatusAccepted, "", nil, false},
		{"note only", mk(referral.StatusAccepted), user, referral.Change{Note: "left a message"}, referral.StatusAccepted, "", nil, false},
		{"follow-up only", mk(referral.StatusSent), user, referral.Change{FollowUp: t0}, referral.StatusSent, "", nil, false},
		{"empty update", mk(referral.StatusSent), user, referral.Change{Note: "   "}, "", "status", nil, false},
		{"decline without reason", mk(referral.StatusSent), user, referral.Change{To: referral.StatusDeclined}, "", "note", nil, false},
		{"decline with reason", mk(referral.StatusSent), agency, referral.Change{To: referral.StatusDeclined, Note: "full"}, referral.StatusDeclined, "", nil, false},
		{"unknown status", mk(referral.StatusSent), user, referral.Change{To: "lost"}, "", "status", nil, false},
		{"note too long", mk(referral.StatusSent), user, referral.Change{Note: strings.Repeat("x", referral.MaxEventNote+1)}, "", "note", nil, false},
		{"skip ahead", mk(referral.StatusSent), user, referral.Change{To: referral.StatusCompleted}, "", "", []string{"accepted", "declined", "cancelled"}, false},
		{"user may not expire", mk(referral.StatusAccepted), user, referral.Change{To: referral.StatusExpired}, "", "", []string{"completed", "no_show", "cancelled"}, false},
		{"system may expire", mk(referral.StatusAccepted), referral.SystemActor, referral.Change{To: referral.StatusExpired}, referral.StatusExpired, "", nil, false},
		{"agency may not cancel", mk(referral.StatusSent), agency, referral.Change{To: referral.StatusCancelled}, "", "", []string{"accepted", "declined"}, false},
		{"note on closed", mk(referral.StatusCompleted), user, referral.Change{Note: "late"}, "", "", []string{}, false},
		{"stale", mk(referral.StatusAccepted), user, referral.Change{To: referral.StatusAccepted, Expected: referral.StatusSent}, "", "", []string{"completed", "no_show", "cancelled"}, true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			ev, err := referral.NewEvent(tc.r, tc.actor, tc.change, t0)
			var te *referral.TransitionError
			switch {
			case tc.field != "":
				if e := apperr.As(err); e == nil || e.Field != tc.field {
					t.Errorf("error %v, want invalid %s", err, tc.field)
				}
			case tc.allowed != nil:
				if !errors.As(err, &te) {
					t.Fatalf("error %v, want TransitionError", err)
				}
				got := []string{}
				for _, s := range te.Allowed {
					got = append(got, string(s))
				}
				if !reflect.DeepEqual(got, tc.allowed) || te.Stale != tc.stale {
					t.Errorf("allowed %v stale %v", got, te.Stale)
				}
			default:
				if err != nil {
					t.Fatalf("NewEvent: %v", err)
				}
				if ev.From != tc.r.Status || ev.To != tc.to || ev.ReferralID != "R1" || ev.Actor != tc.actor || !ev.At.Equal(t0.Truncate(time.Microsecond)) {
					t.Errorf("event = %+v", ev)
				}
			}
		})
	}
}

func TestApply(t *testing.T) {
	r := &referral.Referral{ID: "R1", Status: referral.StatusAccepted, Contact: &referral.Contact{Phone: "1"}}
	ev := referral.Event{At: t0, From: referral.StatusAccepted, To: referral.StatusCompleted, FollowUp: referral.DateOf(t0)}
	got := referral.Apply(r, ev)
	if got.Status != referral.StatusCompleted || !got.ClosedAt.Equal(t0) || !got.UpdatedAt.Equal(t0) || !got.FollowUp.Equal(referral.DateOf(t0)) {
		t.Errorf("Apply = %+v", got)
	}
	got.Contact.Phone = "2"
	if r.Status != referral.StatusAccepted || r.Contact.Phone != "1" {
		t.Error("Apply changed its input")
	}
	if !got.AnsweredAt.IsZero() || got.Unread() {
		t.Errorf("a move by the system is an answer: %v", got.AnsweredAt)
	}
	ev.Actor = referral.AgencyActor("L1")
	if got := referral.Apply(r, ev); !got.AnsweredAt.Equal(t0) || !got.Unread() {
		t.Errorf("the agency's move: answered at %v, unread %v", got.AnsweredAt, got.Unread())
	}
}

func TestAllowedNextFor(t *testing.T) {
	tests := []struct {
		name string
		kind referral.ActorKind
		from referral.Status
		want []referral.Status
	}{
		{"user from sent", referral.ActorUser, referral.StatusSent, []referral.Status{referral.StatusAccepted, referral.StatusDeclined, referral.StatusCancelled}},
		{"agency from sent", referral.ActorAgency, referral.StatusSent, []referral.Status{referral.StatusAccepted, referral.StatusDeclined}},
		{"agency from accepted", referral.ActorAgency, referral.StatusAccepted, []referral.Status{referral.StatusCompleted}},
		{"system from accepted", referral.ActorSystem, referral.StatusAccepted, referral.AllowedNext(referral.StatusAccepted)},
		{"unknown actor", referral.ActorKind("x"), referral.StatusSent, []referral.Status{}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := referral.AllowedNextFor(tc.kind, tc.from); !reflect.DeepEqual(got, tc.want) {
				t.Errorf("AllowedNextFor = %v, want %v", got, tc.want)
			}
		})
	}
}

func TestAgencyLinkToken(t *testing.T) {
	l, token := referral.NewAgencyLink("R1", "u-ana", time.Hour, t0)
	l2, token2 := referral.NewAgencyLink("R1", "u-ana", time.Hour, t0)
	if token == token2 || l.ID == l2.ID {
		t.Error("two links share a token or id")
	}
	if !regexp.MustCompile(`^[A-Za-z0-9_-]{43}$`).MatchString(token) {
		t.Errorf("token %q is not 43 base64url characters", token)
	}
	if !reflect.DeepEqual(l.TokenHash, referral.HashToken(token)) || len(l.TokenHash) != 32 {
		t.Error("link does not hold the token's SHA-256")
	}
	if l.Expired(t0.Add(59*time.Minute)) || !l.Expired(t0.Add(time.Hour)) {
		t.Error("expiry is not at created + ttl")
	}
}

func TestViewerCanSee(t *testing.T) {
	r := &referral.Referral{SpecialistID: "u-ana", TeamID: "team-1"}
	solo := &referral.Referral{SpecialistID: "u-ana"}
	tests := []struct {
		name string
		v    referral.Viewer
		r    *referral.Referral
		want bool
	}{
		{"owner", referral.Viewer{UserID: "u-ana"}, r, true},
		{"teammate", referral.Viewer{UserID: "u-dee", TeamID: "team-1"}, r, true},
		{"other team", referral.Viewer{UserID: "u-dee", TeamID: "team-2"}, r, false},
		{"no team matches no team", referral.Viewer{UserID: "u-dee"}, solo, false},
		{"anonymous", referral.Viewer{}, &referral.Referral{}, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := tc.v.CanSee(tc.r); got != tc.want {
				t.Errorf("CanSee = %v", got)
			}
		})
	}
}

func TestDateOf(t *testing.T) {
	tests := []struct {
		name string
		in   time.Time
		want time.Time
	}{
		{"utc", time.Date(2025, 3, 14, 23, 59, 0, 0, time.UTC), time.Date(2025, 3, 14, 0, 0, 0, 0, time.UTC)},
		{"east of utc, after midnight", time.Date(2025, 3, 15, 1, 0, 0, 0, time.FixedZone("+3", 3*3600)), time.Date(2025, 3, 15, 0, 0, 0, 0, time.UTC)},
		{"west of utc, late evening", time.Date(2025, 3, 14, 22, 0, 0, 0, time.FixedZone("-5", -5*3600)), time.Date(2025, 3, 14, 0, 0, 0, 0, time.UTC)},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := referral.DateOf(tc.in); !got.Equal(tc.want) || got.Location() != time.UTC {
				t.Errorf("DateOf = %v, want %v", got, tc.want)
			}
		})
	}
}

func TestFilterPageSize(t *testing.T) {
	tests := []struct {
		limit, want int
	}{
		{0, referral.DefaultPageSize}, {-3, referral.DefaultPageSize}, {10, 10}, {referral.MaxPageSize + 1, referral.MaxPageSize},
	}
	for _, tc := range tests {
		t.Run("", func(t *testing.T) {
			if got := (referral.Filter{Limit: tc.limit}).PageSize(); got != tc.want {
				t.Errorf("PageSize(%d) = %d, want %d", tc.limit, got, tc.want)
			}
		})
	}
}
