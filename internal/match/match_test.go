package match

import (
	"context"
	"encoding/json"
	"io/fs"
	"os"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"trellis/internal/apperr"
	"trellis/internal/directory"
	"trellis/internal/geo"
	"trellis/internal/listings"
	"trellis/internal/need"
	"trellis/internal/search"
)

// dcNow is the clock of the tests on the bundled DC data: Sunday 22
// November 2026, 9:30 PM in Washington.
var dcNow = time.Date(2026, 11, 23, 2, 30, 0, 0, time.UTC)

var (
	dcOnce sync.Once
	dcSnap *loaded
	dcM    *Matcher
	dcErr  error
)

// dc returns a matcher over the repository's bundled DC listings.
func dc(tb testing.TB) (*loaded, *Matcher) {
	tb.Helper()
	dcOnce.Do(func() {
		dcSnap, dcErr = load(os.DirFS("../../data"), dcNow)
		if dcErr == nil {
			dcM = New(dcSnap.Index, dcSnap.Places, nil)
		}
	})
	if dcErr != nil {
		tb.Fatal(dcErr)
	}
	return dcSnap, dcM
}

// loaded is a data directory loaded and indexed the way the server's
// snapshot is (the snapshot package itself builds a Matcher, so these
// tests cannot import it).
type loaded struct {
	Catalog *directory.Catalog
	Index   *search.Index
	Places  *geo.Gazetteer
}

// load loads and indexes the data directory fsys; the first data problem
// is the error.
func load(fsys fs.FS, now time.Time) (*loaded, error) {
	places, err := geo.Load(fsys)
	if err != nil {
		return nil, err
	}
	cat, errs, err := listings.Load(fsys, listings.Options{Now: now, Places: places})
	if err != nil {
		return nil, err
	}
	if len(errs) > 0 {
		return nil, errs[0]
	}
	ix, err := search.Build(context.Background(), cat)
	if err != nil {
		return nil, err
	}
	return &loaded{Catalog: cat, Index: ix, Places: places}, nil
}

func ptr[T any](v T) *T { return &v }

// place resolves a ZIP code or lat,lon with the snapshot's gazetteer.
func place(tb testing.TB, snap *loaded, s string) *geo.Place {
	tb.Helper()
	p, err := snap.Places.ParsePlace(s)
	if err != nil {
		tb.Fatal(err)
	}
	return &p
}

// veteranProfile is the example: a 45-year-old male veteran on
// Medicaid in ZIP 20002.
func veteranProfile(tb testing.TB, snap *loaded, lang string, needs ...string) Profile {
	p := Profile{Place: place(tb, snap, "20002"), Now: dcNow, Lang: lang,
		Person: &need.Person{Age: ptr(45), Gender: directory.GenderMale, Veteran: ptr(true), Insurance: []string{directory.InsuranceMedicaid}}}
	for _, n := range needs {
		p.Needs = append(p.Needs, Need{Text: n})
	}
	return p
}

func hasReason(rs []Reason, code, text string) bool {
	for _, r := range rs {
		if r.Code == code && (text == "" || r.Text == text) {
			return true
		}
	}
	return false
}

// TestVeteranNeedsABedAndHelpWithDrinking is the done-means
// scenario on the real bundled data.
func TestVeteranNeedsABedAndHelpWithDrinking(t *testing.T) {
	snap, m := dc(t)
	res, err := m.Match(context.Background(), veteranProfile(t, snap, "en", "a bed tonight", "help with drinking"))
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Needs) != 2 {
		t.Fatalf("%d needs, want 2", len(res.Needs))
	}

	t.Run("shelters that take men", func(t *testing.T) {
		bed := res.Needs[0]
		if got := bed.ReadAs.Categories; len(got) != 1 || got[0] != "housing.emergency-shelter" {
			t.Errorf("read as %v, want housing.emergency-shelter", got)
		}
		if !bed.ReadAs.Urgent {
			t.Error("\"tonight\" was not read as urgent")
		}
		if len(bed.Results) < 3 {
			t.Fatalf("%d results, want at least 3", len(bed.Results))
		}
		if got := bed.Results[0].Service.Key(); got != "catholic-charities-new-york-avenue-shelter.new-york-avenue-shelter" {
			t.Errorf("first result %s, want the nearest men's shelter (New York Avenue, 0.7 mi)", got)
		}
		for i, r := range bed.Results {
			s := r.Service
			if !s.HasCategory("housing.emergency-shelter") {
				t.Errorf("result %d %s is not a shelter", i, s.Key())
			}
			if !s.Eligibility.ServesGender(directory.GenderMale) || !s.Eligibility.Age.Contains(45) || len(s.Eligibility.Populations) > 0 {
				t.Errorf("result %d %s does not take a 45-year-old man", i, s.Key())
			}
			if i > 0 && r.Score > bed.Results[i-1].Score {
				t.Errorf("result %d scores %v above result %d's %v", i, r.Score, i-1, bed.Results[i-1].Score)
			}
			for _, code := range []string{ReasonCategory, ReasonDistance, ReasonHoursUnknown} {
				if !hasReason(r.Reasons, code, "") {
					t.Errorf("result %d %s lacks reason %s: %v", i, s.Key(), code, r.Reasons)
				}
			}
		}
		if !hasReason(bed.Results[0].Reasons, ReasonServesGender, "Serves men") {
			t.Errorf("the men's shelter does not say it serves men: %v", bed.Results[0].Reasons)
		}
		want := map[string]string{
			"n-street-village-pat-handy-shelter-for-women.pat-handy-shelter-for-women":                       "Women only",
			"catholic-charities-harriet-tubman-shelter-and-day-center.harriet-tubman-shelter-and-day-center": "Women only",
			"department-of-human-services-virginia-williams-family.virginia-williams-family-resource-center": "For families with children",
			"casa-ruby.emergency-shelter": "Ages 18-24 only",
		}
		checkExcluded(t, m, snap, want)
		if bed.ExcludedCounts[need.ExclGender] < 2 || bed.ExcludedCounts[need.ExclPopulation] < 1 {
			t.Errorf("excluded counts %v, want women-only and family-only shelters counted", bed.ExcludedCounts)
		}
	})

	t.Run("substance use services", func(t *testing.T) {
		drink := res.Needs[1]
		if got := drink.ReadAs.Categories; len(got) != 1 || got[0] != "substance-use" {
			t.Errorf("read as %v, want substance-use", got)
		}
		if len(drink.Results) != DefaultLimit {
			t.Fatalf("%d results, want %d", len(drink.Results), DefaultLimit)
		}
		vets := false
		for i, r := range drink.Results {
			if !r.Service.HasCategory("substance-use") {
				t.Errorf("result %d %s is not substance use treatment", i, r.Service.Key())
			}
			if !need.CanPay(r.Service, []string{directory.InsuranceMedicaid}) {
				t.Errorf("result %d %s does not take Medicaid", i, r.Service.Key())
			}
			if !hasReason(r.Reasons, ReasonInsuranceUnknown, "Insurance not listed · ask") && !hasReason(r.Reasons, ReasonTakesInsurance, "Takes Medicaid") {
				t.Errorf("result %d %s says nothing about Medicaid: %v", i, r.Service.Key(), r.Reasons)
			}
			vets = vets || hasReason(r.Reasons, ReasonServesVeterans, "Serves veterans")
		}
		if !vets {
			t.Error("no result serves veterans, though the VA's programme is 2.2 mi away")
		}
	})
}

// checkExcluded reruns the bed need with room for ten exclusions and
// checks that each service in want is excluded with that reason.
func checkExcluded(t *testing.T, m *Matcher, snap *loaded, want map[string]string) {
	t.Helper()
	p := veteranProfile(t, snap, "en", "a bed tonight")
	p.ExcludedLimit = 10
	res, err := m.Match(context.Background(), p)
	if err != nil {
		t.Fatal(err)
	}
	got := map[string][]Reason{}
	for _, x := range res.Needs[0].Excluded {
		got[x.Service.Key()] = x.Reasons
	}
	for key, text := range want {
		rs, ok := got[key]
		if !ok {
			t.Errorf("%s is not excluded; excluded: %v", key, got)
			continue
		}
		found := false
		for _, r := range rs {
			found = found || r.Text == text
		}
		if !found {
			t.Errorf("%s excluded for %v, want %q", key, rs, text)
		}
	}
}

func TestReadNeeds(t *testing.T) {
	_, m := dc(t)
	tests := []struct {
		name, text string
		want       []string
		urgent     bool
		correction string
	}{
		{name: "detox", text: "i need detox", want: []string{"substance-use.detox"}},
		{name: "spanish food", text: "comida", want: []string{"food"}},
		{name: "spanish work", text: "necesito trabajo", want: []string{"employment"}},
		{name: "sleep tonight", text: "somewhere to sleep tonight", want: []string{"housing.emergency-shelter"}, urgent: true},
		{name: "rent", text: "help with rent", want: []string{"housing.rent-assistance"}},
		{name: "methadone", text: "methadone", want: []string{"substance-use.opioid-treatment"}},
		{name: "misspelled methadone", text: "methadon", want: []string{"substance-use.opioid-treatment"}, correction: "methadone"},
		{name: "misspelled shelter", text: "shleter", want: []string{"housing.emergency-shelter"}, correction: "shelter"},
		{name: "spanish tonight", text: "donde dormir esta noche", want: []string{"housing.emergency-shelter"}, urgent: true},
		{name: "subcategory wins", text: "drug detox", want: []string{"substance-use.detox"}},
		{name: "two categories", text: "food and a shower", want: []string{"food", "basic-needs.showers"}},
		{name: "category id", text: "healthcare.dental", want: []string{"healthcare.dental"}},
		{name: "drinking", text: "help with drinking", want: []string{"substance-use"}},
		{name: "nothing", text: "zzzz qqqq", want: nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ra := m.newTask(Need{Text: tt.text}, nil, 0, nil, need.Constraints{}, dcNow, false).readAs
			if strings.Join(ra.Categories, ",") != strings.Join(tt.want, ",") {
				t.Errorf("read %q as %v, want %v", tt.text, ra.Categories, tt.want)
			}
			if ra.Urgent != tt.urgent {
				t.Errorf("urgent %v, want %v", ra.Urgent, tt.urgent)
			}
			if tt.correction != "" {
				found := false
				for _, c := range ra.Corrections {
					found = found || c == tt.correction
				}
				if !found {
					t.Errorf("corrections %v, want one to %q", ra.Corrections, tt.correction)
				}
			}
		})
	}
}

// matchOne matches profile p, which has one need, and returns that
// need's answer.
func matchOne(t *testing.T, m *Matcher, p Profile) NeedResult {
	t.Helper()
	res, err := m.Match(context.Background(), p)
	if err != nil {
		t.Fatal(err)
	}
	return res.Needs[0]
}

// TestDetoxWidensToParent checks the fallback: DC has one detox service,
// far away, so the need also takes in substance use treatment, with the
// detox service still first.
func TestDetoxWidensToParent(t *testing.T) {
	snap, m := dc(t)
	n := matchOne(t, m, veteranProfile(t, snap, "en", "i need detox"))
	if len(n.ReadAs.Widened) != 1 || n.ReadAs.Widened[0] != "substance-use" {
		t.Errorf("widened %v, want [substance-use]", n.ReadAs.Widened)
	}
	if len(n.Results) == 0 || !n.Results[0].Service.HasCategory("substance-use.detox") {
		t.Fatalf("first result is not the detox service: %+v", n.Results)
	}
	for _, r := range n.Results[1:] {
		if !r.Service.HasCategory("substance-use") {
			t.Errorf("%s is not substance use treatment", r.Service.Key())
		}
	}
}

// TestEachNeedWidensOnItsOwn reads two needs in one sentence, one with
// services near and one without: the one without is widened and said to
// be, even though the other fills the page.
func TestEachNeedWidensOnItsOwn(t *testing.T) {
	snap, m := dc(t)
	n := matchOne(t, m, veteranProfile(t, snap, "en", "dope sick need help now"))
	if !slices.Contains(n.ReadAs.Categories, "substance-use.detox") || !slices.Contains(n.ReadAs.Categories, "crisis") {
		t.Fatalf("read as %v, want detox and crisis", n.ReadAs.Categories)
	}
	if !slices.Equal(n.Widening.From, []string{"substance-use.detox"}) || !slices.Equal(n.Widening.To, []string{"substance-use"}) {
		t.Errorf("widened %v to %v, want detox to substance use", n.Widening.From, n.Widening.To)
	}
	if !strings.HasPrefix(n.Widening.Why, "No detox listed within") {
		t.Errorf("why %q", n.Widening.Why)
	}
	treatment := 0
	for _, r := range n.Results[:min(5, len(n.Results))] {
		if r.Service.HasCategory("substance-use") {
			treatment++
		}
	}
	if treatment < 3 {
		t.Errorf("%d of the first five are substance use treatment: %v", treatment, n.Results)
	}
}

// TestSpecificBeatsGeneral reads a specific need beside a general word
// ("doctor": health care): the specific need's services come first, and
// a primary care clinic nearer to the person only after them.
func TestSpecificBeatsGeneral(t *testing.T) {
	snap, m := dc(t)
	n := matchOne(t, m, Profile{Place: place(t, snap, "20032"), Now: dcNow, Lang: "en", Needs: []Need{{Text: "suboxone doctor"}}})
	if !slices.Contains(n.ReadAs.Categories, "healthcare") || !slices.Contains(n.ReadAs.Categories, "substance-use.opioid-treatment") {
		t.Fatalf("read as %v, want health care and opioid treatment", n.ReadAs.Categories)
	}
	if len(n.Results) < 3 {
		t.Fatalf("%d results", len(n.Results))
	}
	for _, r := range n.Results[:2] {
		if !r.Service.HasCategory("substance-use.opioid-treatment") {
			t.Errorf("%s (%v) among the first two, want opioid treatment", r.Service.Key(), r.Service.Categories)
		}
	}
}

// TestNothingAnywhereSaysSo searches for what the directory does not
// list at all: the widening found nothing either, and the answer says
// that rather than what it would show.
func TestNothingAnywhereSaysSo(t *testing.T) {
	snap, m := dc(t)
	for _, tc := range []struct{ lang, text, want string }{
		{"en", "dialysis", "Nothing that fits is listed anywhere in this directory."},
		{"es", "dialysis", "No hay nada que corresponda en ninguna parte de este directorio."},
	} {
		res, err := m.Search(context.Background(), SearchRequest{Text: tc.text, Place: place(t, snap, "20001"), Now: dcNow, Lang: tc.lang})
		if err != nil {
			t.Fatal(err)
		}
		if res.Total != 0 {
			t.Fatalf("%q: %d results; the test needs a need the directory lacks", tc.text, res.Total)
		}
		if res.Widening.Why != tc.want {
			t.Errorf("%s %q: why %q, want %q", tc.lang, tc.text, res.Widening.Why, tc.want)
		}
	}
}

func TestSpanishReasons(t *testing.T) {
	snap, m := dc(t)
	res, err := m.Match(context.Background(), veteranProfile(t, snap, "es", "un lugar para dormir", "help with drinking"))
	if err != nil {
		t.Fatal(err)
	}
	bed := res.Needs[0]
	if len(bed.Results) == 0 {
		t.Fatal("no results")
	}
	first := bed.Results[0].Reasons
	for _, want := range []Reason{
		{ReasonCategory, "Albergue de emergencia"},
		{ReasonDistance, "a 0.7 mi"},
		{ReasonHoursUnknown, "Horario no indicado · llame antes"},
		{ReasonServesGender, "Atiende a hombres"},
		{ReasonInsuranceUnknown, "Seguro no indicado · pregunte"},
		{ReasonWalkIn, "Puede ir sin cita"},
	} {
		if !hasReason(first, want.Code, want.Text) {
			t.Errorf("first result lacks %v: %v", want, first)
		}
	}
	texts := map[string]bool{}
	for _, x := range bed.Excluded {
		for _, r := range x.Reasons {
			texts[r.Text] = true
		}
	}
	for _, want := range []string{"Solo mujeres", "Solo de 18 a 24 años"} {
		if !texts[want] {
			t.Errorf("no exclusion says %q: %v", want, texts)
		}
	}
	if !hasReason(res.Needs[1].Results[1].Reasons, ReasonServesVeterans, "Atiende a veteranos") &&
		!hasReason(res.Needs[1].Results[0].Reasons, ReasonServesVeterans, "Atiende a veteranos") {
		t.Errorf("no Spanish veterans reason among the first two: %v / %v", res.Needs[1].Results[0].Reasons, res.Needs[1].Results[1].Reasons)
	}
}

// TestDeterministic checks that the same profile on the same data gives
// byte-identical answers, and that a need's answer does not depend on the
// other needs of the profile.
func TestDeterministic(t *testing.T) {
	snap, m := dc(t)
	run := func(needs ...string) *Result {
		res, err := m.Match(context.Background(), veteranProfile(t, snap, "en", needs...))
		if err != nil {
			t.Fatal(err)
		}
		return res
	}
	enc := func(v any) string {
		b, err := json.Marshal(v)
		if err != nil {
			t.Fatal(err)
		}
		return string(b)
	}
	summary := func(n NeedResult) string {
		type row struct {
			Key     string
			Score   float64
			Reasons []Reason
		}
		var rows []row
		for _, r := range n.Results {
			rows = append(rows, row{r.Service.Key(), r.Score, r.Reasons})
		}
		for _, x := range n.Excluded {
			rows = append(rows, row{x.Service.Key(), -1, x.Reasons})
		}
		return enc(rows)
	}
	a := run("comida", "a bed tonight", "mental health")
	for i := 0; i < 5; i++ {
		b := run("comida", "a bed tonight", "mental health")
		for j := range a.Needs {
			if summary(a.Needs[j]) != summary(b.Needs[j]) {
				t.Fatalf("run %d need %d differs:\n%s\n%s", i, j, summary(a.Needs[j]), summary(b.Needs[j]))
			}
		}
	}
	alone := run("a bed tonight")
	if summary(alone.Needs[0]) != summary(a.Needs[1]) {
		t.Errorf("the bed need depends on the other needs")
	}
}

func TestProfileErrors(t *testing.T) {
	snap, m := dc(t)
	base := func() Profile { return veteranProfile(t, snap, "en", "food") }
	tests := []struct {
		name  string
		edit  func(*Profile)
		field string
	}{
		{"no needs", func(p *Profile) { p.Needs = nil }, "needs"},
		{"too many needs", func(p *Profile) { p.Needs = make([]Need, MaxNeeds+1) }, "needs"},
		{"empty need", func(p *Profile) { p.Needs = []Need{{Text: "  "}} }, "needs.0"},
		{"long need", func(p *Profile) { p.Needs = []Need{{Text: strings.Repeat("a", MaxNeedLen+1)}} }, "needs.0"},
		{"unknown category", func(p *Profile) { p.Needs = []Need{{Categories: []string{"housing.castles"}}} }, "needs.0.categories"},
		{"age", func(p *Profile) { p.Person.Age = ptr(131) }, "person.age"},
		{"gender", func(p *Profile) { p.Person.Gender = "robot" }, "person.gender"},
		{"insurance", func(p *Profile) { p.Person.Insurance = []string{"gold"} }, "person.insurance.0"},
		{"uninsured with a plan", func(p *Profile) { p.Person.Insurance = []string{"none", "medicaid"} }, "person.insurance"},
		{"language", func(p *Profile) { p.Person.Languages = []string{"spanish!"} }, "person.languages.0"},
		{"circumstance", func(p *Profile) { p.Person.Circumstances = []string{"astronaut"} }, "person.circumstances.0"},
		{"veteran contradiction", func(p *Profile) { p.Person.Veteran = ptr(false); p.Person.Circumstances = []string{"veterans"} }, "person.veteran"},
		{"travel without place", func(p *Profile) { p.Place = nil; p.TravelMeters = 1000 }, "travel"},
		{"negative travel", func(p *Profile) { p.TravelMeters = -1 }, "travel"},
		{"limit", func(p *Profile) { p.Limit = MaxLimit + 1 }, "limit"},
		{"excluded limit", func(p *Profile) { p.ExcludedLimit = -1 }, "excluded_limit"},
		{"open now and at", func(p *Profile) { p.Constraints.OpenNow = true; p.Constraints.OpenAt = &dcNow }, "constraints.open_at"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := base()
			tt.edit(&p)
			_, err := m.Match(context.Background(), p)
			e := apperr.As(err)
			if e == nil || e.Code != apperr.Invalid || e.Field != tt.field {
				t.Errorf("got %v, want an invalid error on %q", err, tt.field)
			}
		})
	}
}

func TestNoPersonExcludesNobodyForWhoTheyAre(t *testing.T) {
	snap, m := dc(t)
	p := Profile{Needs: []Need{{Text: "shelter"}}, Place: place(t, snap, "20002"), Now: dcNow, Limit: 20}
	res, err := m.Match(context.Background(), p)
	if err != nil {
		t.Fatal(err)
	}
	n := res.Needs[0]
	if n.ExcludedTotal != 0 {
		t.Errorf("%d excluded without a person: %+v", n.ExcludedTotal, n.Excluded)
	}
	if len(n.Results) != n.Considered {
		t.Errorf("%d results of %d considered", len(n.Results), n.Considered)
	}
}

// TestWidensToWhatTheTaxonomySays: a subcategory that names where else to
// look (taxonomy.yaml "also": health insurance enrollment at community
// health centers) widens there, not to its parent, and says so.
func TestWidensToWhatTheTaxonomySays(t *testing.T) {
	snap, m := dc(t)
	if c := snap.Catalog.Taxonomy.Category("income.health-insurance"); c == nil || !slices.Equal(c.Also, []string{"healthcare.primary-care"}) {
		t.Fatalf("taxonomy: health insurance enrollment has also %v", c)
	}
	n := matchOne(t, m, Profile{Place: place(t, snap, "20010"), Now: dcNow, Lang: "en", Needs: []Need{{Text: "sign up for medicaid"}}})
	if !slices.Equal(n.Widening.From, []string{"income.health-insurance"}) || !slices.Equal(n.Widening.To, []string{"healthcare.primary-care"}) {
		t.Fatalf("widened %v to %v, want health insurance enrollment to primary care", n.Widening.From, n.Widening.To)
	}
	if !strings.Contains(n.Widening.Why, "Primary care") && !strings.Contains(n.Widening.Why, "primary care") {
		t.Errorf("why %q does not name primary care", n.Widening.Why)
	}
	if len(n.Results) < 3 {
		t.Fatalf("%d results", len(n.Results))
	}
	for _, r := range n.Results[:3] {
		if !r.Service.HasCategory("healthcare.primary-care") && !r.Service.HasCategory("income.health-insurance") {
			t.Errorf("%s (%v) among the first three", r.Service.Key(), r.Service.Categories)
		}
	}
}

// TestNamesVeterans checks the quick test of names against the regular
// expression it stands in front of.
func TestNamesVeterans(t *testing.T) {
	for _, name := range []string{"VA Medical Center", "Veterans Inn", "VETERANS HOUSE", "vEtErAn Center", "Lava Lamp Club",
		"Virginia (VA) Office", "Evaluation Center", "Nova Scotia", "veteranos", "The Veteran", "AVA"} {
		if got, want := namesVeterans(name), veteranName.MatchString(name); got != want {
			t.Errorf("namesVeterans(%q) = %v, the regular expression says %v", name, got, want)
		}
	}
}

// TestNewTakesPrev: a matcher built after a reload takes what the one
// before worked out for the services the catalogs share, and works out
// afresh what it has for a changed one.
func TestNewTakesPrev(t *testing.T) {
	snap, before := dc(t)
	cat := *snap.Catalog
	old := cat.Organizations[0]
	changed := *old
	changed.Services = nil
	for _, s := range old.Services {
		c := *s
		c.Org, c.Name = &changed, "Quokka "+s.Name
		changed.Services = append(changed.Services, &c)
	}
	cat.Organizations = append([]*directory.Organization{&changed}, cat.Organizations[1:]...)
	ix, err := search.Build(context.Background(), &cat)
	if err != nil {
		t.Fatal(err)
	}
	defer ix.Close()
	after := New(ix, snap.Places, before)
	if len(after.docs) != len(before.docs) {
		t.Fatalf("%d documents, want %d", len(after.docs), len(before.docs))
	}
	for i, d := range after.docs {
		if want := nameWords(d.Service); !slices.Equal(after.names[i], want) {
			t.Errorf("%s: name words %q, want %q", d.Key, after.names[i], want)
		}
		if d.Service.Org == &changed && !slices.Contains(after.names[i], "quokka") {
			t.Errorf("%s, changed: name words %q lack quokka", d.Key, after.names[i])
		}
	}
}
