package webui

import (
	"io/fs"
	"net/url"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"strings"
	"testing"
	"time"

	"trellis/internal/auth"
	"trellis/internal/directory"
	"trellis/internal/i18n"
	"trellis/internal/present"
	"trellis/internal/referral"
	"trellis/web"
)

func intp(n int) *int { return &n }

func TestEligibilityWords(t *testing.T) {
	tests := []struct {
		name string
		lang string
		e    *present.EligibilityView
		want []string
	}{
		{name: "no rules", lang: "en", want: []string{"No rules listed · ask if unsure"}},
		{name: "age range and gender", lang: "en", e: &present.EligibilityView{Age: &present.AgeView{Min: intp(18), Max: intp(24)}, Genders: []string{"female", "nonbinary"}},
			want: []string{"Ages 18 to 24", "For women and nonbinary people"}},
		{name: "only and focus", lang: "en", e: &present.EligibilityView{Populations: []string{"veterans", "families", "seniors"}, Focus: []string{"lgbtq"}},
			want: []string{"Only for veterans, families with children and older adults", "Especially for LGBTQ people"}},
		{name: "spanish", lang: "es", e: &present.EligibilityView{Age: &present.AgeView{Max: intp(17)}, Genders: []string{"male"}},
			want: []string{"Hasta los 17 años", "Para hombres"}},
		{name: "text rules only", lang: "en", e: &present.EligibilityView{Income: "Under 200% FPL"},
			want: []string{"See the details for who can go"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := words{lang: tc.lang}.eligibility(tc.e)
			if !reflect.DeepEqual(got, tc.want) {
				t.Errorf("got %q, want %q", got, tc.want)
			}
		})
	}
}

func TestHoursLines(t *testing.T) {
	clock := func(h, m int) directory.Clock { return directory.Clock(h*60 + m) }
	now := time.Date(2026, 11, 22, 12, 0, 0, 0, time.UTC)
	tests := []struct {
		name string
		lang string
		h    *directory.Hours
		want []string
	}{
		{name: "none", lang: "en"},
		{name: "always", lang: "es", h: &directory.Hours{Always: true}, want: []string{"Abierto las 24 horas, todos los días"}},
		{name: "weekdays and a split", lang: "en", h: &directory.Hours{Weekly: []directory.Span{
			{Days: directory.Weekdays, Open: clock(9, 0), Close: clock(17, 30)},
			{Days: 1<<time.Monday | 1<<time.Wednesday | 1<<time.Saturday, Open: clock(18, 0), Close: clock(20, 0)},
		}}, want: []string{"Mon–Fri: 9 AM – 5:30 PM", "Mon, Wed, Sat: 6 PM – 8 PM"}},
		{name: "overnight in spanish", lang: "es", h: &directory.Hours{Weekly: []directory.Span{
			{Days: directory.Everyday, Open: clock(19, 0), Close: clock(7, 0)},
		}}, want: []string{"Todos los días: 19:00 – 07:00 de la mañana siguiente"}},
		{name: "range of days, season, past and future closures", lang: "en", h: &directory.Hours{
			Weekly:   []directory.Span{{Days: 1<<time.Tuesday | 1<<time.Wednesday | 1<<time.Thursday, Open: clock(10, 0), Close: clock(14, 0)}},
			Season:   &directory.Season{FromMonth: time.May, FromDay: 3, ToMonth: time.November, ToDay: 22},
			Closures: []directory.Closure{{From: directory.Date{Year: 2025, Month: 12, Day: 24}, To: directory.Date{Year: 2025, Month: 12, Day: 26}}, {From: directory.Date{Year: 2026, Month: 12, Day: 25}, To: directory.Date{Year: 2026, Month: 12, Day: 25}}},
		}, want: []string{"Tue–Thu: 10 AM – 2 PM", "Season: May 3 to Nov 22", "Closed Dec 25, 2026"}},
		{name: "by appointment", lang: "en", h: &directory.Hours{ByAppointment: true}, want: []string{"By appointment"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := words{lang: tc.lang, now: now}.hoursLines(tc.h)
			if !reflect.DeepEqual(got, tc.want) {
				t.Errorf("got %q, want %q", got, tc.want)
			}
		})
	}
}

func TestTelURL(t *testing.T) {
	tests := []struct {
		name, number, ext, want string
	}{
		{name: "formatted", number: "(202) 555-0100", want: "tel:2025550100"},
		{name: "short code", number: "311", want: "tel:311"},
		{name: "international", number: "+1 202 555 0100", want: "tel:+12025550100"},
		{name: "extension", number: "202-555-0100", ext: "12", want: "tel:2025550100;ext=12"},
		{name: "bad extension dropped", number: "202-555-0100", ext: "12; evil", want: "tel:2025550100"},
		{name: "script is not a number", number: "javascript:alert(1)", want: "tel:1"},
		{name: "no digits", number: "call us", want: ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := string(telURL(tc.number, tc.ext)); got != tc.want {
				t.Errorf("telURL(%q, %q) = %q, want %q", tc.number, tc.ext, got, tc.want)
			}
		})
	}
}

func TestParseForm(t *testing.T) {
	tax := directory.NewTaxonomy([]*directory.Category{{ID: "food", Label: directory.Text{"en": "Food"}}})
	org := &directory.Organization{ID: "org"}
	org.Services = []*directory.Service{{ID: "a", Org: org}, {ID: "b", Org: org}}
	cat, err := directory.NewCatalog(directory.Info{}, tax, []*directory.Organization{org})
	if err != nil {
		t.Fatal(err)
	}
	langOK := i18n.Default.Supported
	tests := []struct {
		name  string
		query string
		want  form
	}{
		{name: "empty", query: "", want: form{Page: 1}},
		{name: "fields", query: "q=+food+&near=20002&category=food&open=1&free=on&language=ES&radius=5mi&page=3&lang=es&hc=1",
			want: form{Q: "food", Near: "20002", Category: "food", Open: true, Free: true, Language: "es", Radius: "5mi", Page: 3, Lang: "es", HC: true}},
		{name: "overrides win", query: "category=food&setcat=&page=4&go=2&lang=en&setlang=es&hc=1&sethc=0",
			want: form{Page: 2, Lang: "es"}},
		{name: "a new need starts at page one", query: "page=4&setcat=food", want: form{Category: "food", Page: 1}},
		{name: "bad values dropped", query: "category=nope&language=e1&radius=7mi&page=-2&lang=fr&t=x",
			want: form{Page: 1}},
		{name: "picks cleaned, from pick and s", query: "pick=org.b&pick=org.zz,org.a&s=org.b,org.a&pick=",
			want: form{Page: 1, Picks: []string{"org.b", "org.a"}}},
		{name: "clear filters", query: "q=x&category=food&open=1&free=1&language=es&radius=1mi&clear=filters&page=3",
			want: form{Q: "x", Page: 1}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			v, err := url.ParseQuery(tc.query)
			if err != nil {
				t.Fatal(err)
			}
			got := parseForm(v, cat, langOK)
			if !reflect.DeepEqual(got, tc.want) {
				t.Errorf("got %+v\nwant %+v", got, tc.want)
			}
		})
	}
}

func TestFormRoundTrip(t *testing.T) {
	f := form{Q: `a "b" <c>`, Near: "20002", Category: "food", Open: true, Language: "es", Radius: "3mi", Page: 2, Lang: "es", HC: true,
		Issued: 1795374812, Picks: []string{"org.a", "org.b"}}
	h := string(f.hidden())
	for _, want := range []string{`name="q" value="a &#34;b&#34; &lt;c&gt;"`, `name="page" value="2"`, `name="t" value="1795374812"`,
		`name="pick" value="org.a"`, `name="pick" value="org.b"`, `name="hc" value="1"`} {
		if !strings.Contains(h, want) {
			t.Errorf("hidden fields lack %s:\n%s", want, h)
		}
	}
	if h := string(f.hidden("q", "pick")); strings.Contains(h, `name="q"`) || strings.Contains(h, `name="pick"`) {
		t.Errorf("skipped fields rendered: %s", h)
	}
}

// TestMessagesExist checks that every message key the templates and this
// package name exists in the catalog, including the keys built from
// directory values (populations, genders, insurance plans, ways to apply,
// cost kinds, statuses).
func TestMessagesExist(t *testing.T) {
	var keys []string
	tmpl := regexp.MustCompile(`\bT "([a-z0-9_.-]+)"`)
	src := regexp.MustCompile(`(?:\.(?:t|T)\(|i18nT\([a-z.]+, )"([a-z0-9_.-]+)"`)
	files, err := fs.Glob(web.FS, "templates/*.html")
	if err != nil || len(files) == 0 {
		t.Fatalf("templates: %v", err)
	}
	gofiles, _ := filepath.Glob("*.go")
	for _, f := range append(files, gofiles...) {
		read, re := os.ReadFile, src
		if strings.HasSuffix(f, ".html") {
			read, re = func(name string) ([]byte, error) { return fs.ReadFile(web.FS, name) }, tmpl
		}
		b, err := read(f)
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range re.FindAllStringSubmatch(string(b), -1) {
			if !strings.HasSuffix(m[1], ".") {
				keys = append(keys, m[1])
			}
		}
	}
	for _, p := range directory.Populations {
		keys = append(keys, "population."+p)
	}
	for _, g := range directory.Genders {
		keys = append(keys, "gender."+g)
	}
	for _, ins := range directory.InsurancePlans {
		keys = append(keys, "insurance."+ins)
	}
	for _, a := range directory.ApplyMethods {
		keys = append(keys, "apply."+a)
	}
	for _, c := range directory.CostKinds {
		keys = append(keys, "cost."+string(c))
	}
	for _, s := range directory.Statuses {
		keys = append(keys, "status."+strings.ReplaceAll(string(s), " ", "_"))
	}
	for _, st := range []referral.Status{referral.StatusSent, referral.StatusAccepted, referral.StatusDeclined, referral.StatusCompleted,
		referral.StatusNoShow, referral.StatusCancelled, referral.StatusExpired} {
		keys = append(keys, "app.status."+string(st))
	}
	for _, k := range []referral.ActorKind{referral.ActorUser, referral.ActorAgency, referral.ActorSystem} {
		keys = append(keys, "app.actor."+string(k))
	}
	for _, g := range directory.Genders {
		keys = append(keys, "app.gender."+g)
	}
	keys = append(keys, "app.consent.verbal", "app.consent.written", "app.scope.this-referral", "app.scope.share-with-service",
		"app.referrals.due", "app.referrals.all")
	for _, k := range []string{"error.not_found", "error.unavailable", "error.bad_request", "error.generic", "error.forbidden"} {
		keys = append(keys, k+".title", k+".text")
	}
	keys = append(keys, "hours.span", "hours.span_overnight")
	// The referral loop's keys built from the model's values.
	for _, k := range []string{referral.LooksLikeName, referral.LooksLikeEmail, referral.LooksLikeDate, referral.LooksLikeBirthYear,
		referral.LooksLikeRecord, referral.LooksLikePhone} {
		keys = append(keys, "app.refer.looks_like."+k)
	}
	for _, k := range []string{"withdrawn", "closed", "revoked", "expired"} {
		keys = append(keys, "app.gone."+k)
	}
	for _, k := range []referral.LinkEnd{referral.LinkEndRevoked, referral.LinkEndReplaced, referral.LinkEndClosed, referral.LinkEndCancelled,
		referral.LinkEndConsentWithdrawn} {
		keys = append(keys, "app.link_end."+string(k))
	}
	for _, k := range []referral.MailKind{referral.MailAgencyReferral, referral.MailAgencyAnswer} {
		keys = append(keys, "app.mail."+string(k))
	}
	for _, k := range []referral.ConsentScope{referral.ScopeThisReferral, referral.ScopeShareWithService} {
		keys = append(keys, "app.agency.scope."+string(k))
	}
	for _, k := range referral.AgencyStatuses {
		keys = append(keys, "app.agency.answer."+string(k))
	}
	for _, k := range referral.Statuses {
		keys = append(keys, "app.filter.status."+string(k))
	}
	for _, k := range []referral.SignatureKind{referral.SignaturePaper, referral.SignatureElectronic} {
		keys = append(keys, "app.signature."+string(k))
	}
	for _, k := range []auth.Role{auth.RoleAdmin, auth.RoleCoordinator, auth.RoleSpecialist} {
		keys = append(keys, "app.role."+string(k))
	}
	for _, k := range []string{"disable", "enable", "revoke", "reset-password"} {
		keys = append(keys, "app.accounts.done."+k)
	}
	if len(keys) < 100 {
		t.Fatalf("found only %d keys; is the pattern still right?", len(keys))
	}
	for _, k := range keys {
		for _, lang := range i18n.Default.Languages() {
			if i18n.Default.T(lang, k) == k {
				t.Errorf("%s: no message %q", lang, k)
			}
		}
	}
}

func TestLinkPhones(t *testing.T) {
	tests := []struct {
		name, in, want string
	}{
		{"service code in parentheses", "Show Up and/or Call Shelter Hotline (311)",
			`Show Up and/or Call Shelter Hotline (<a class="tel" href="tel:311">311</a>)`},
		{"ten digits", "Call (202) 555-0100 or 800-799-7233.",
			`Call <a class="tel" href="tel:2025550100">(202) 555-0100</a> or <a class="tel" href="tel:8007997233">800-799-7233</a>.`},
		{"with a leading 1", "Call 1-800-662-4357",
			`Call <a class="tel" href="tel:18006624357">1-800-662-4357</a>`},
		{"years and street numbers stay text", "Open since 2011 at 3110 Main St, suite 911A",
			`Open since 2011 at 3110 Main St, suite 911A`},
		{"text is escaped", `<b>"Call" 988</b>`, `&lt;b&gt;&#34;Call&#34; <a class="tel" href="tel:988">988</a>&lt;/b&gt;`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := linkPhones(tc.in); got != tc.want {
				t.Errorf("linkPhones(%q) =\n %s\nwant\n %s", tc.in, got, tc.want)
			}
		})
	}
}
