package match

import (
	"math"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/language"
	"golang.org/x/text/language/display"

	"trellis/internal/directory"
	"trellis/internal/geo"
	"trellis/internal/i18n"
	"trellis/internal/need"
	"trellis/internal/present"
)

// Reason is one plain-language reason a service was ranked where it was,
// or was left out: a stable code for programs and the text people read, in
// the request's language. Exclusion reasons carry need's exclusion codes.
type Reason struct {
	Code string `json:"code"`
	Text string `json:"text"`
}

// The codes of the reasons a result carries. Exclusion codes are
// need.ExclusionCodes.
const (
	ReasonCategory         = "category"          // what the service is: "Emergency shelter"
	ReasonDistance         = "distance"          // "1.2 mi away"
	ReasonRemote           = "remote"            // no address: by phone or online
	ReasonConfidential     = "confidential"      // address kept private
	ReasonOpen             = "open"              // "Open until 7 PM"
	ReasonClosingSoon      = "closing-soon"      // "Closing soon, at 7 PM"
	ReasonOpensSoon        = "opens-soon"        // "Closed · opens at 7 PM", within openingSoon
	ReasonClosed           = "closed"            // "Closed · opens Monday 9 AM"
	ReasonHoursUnknown     = "hours-unknown"     // "Hours not listed · call first"
	ReasonByAppointment    = "by-appointment"    // "By appointment"
	ReasonServesVeterans   = "serves-veterans"   // "Serves veterans"
	ReasonServes           = "serves"            // "Serves families with children"
	ReasonServesGender     = "serves-gender"     // "Serves men"
	ReasonAges             = "ages"              // "For ages 18-24"
	ReasonCheckEligibility = "check-eligibility" // "Veterans only · ask first"
	ReasonLanguage         = "language"          // "Spanish spoken"
	ReasonFree             = "free"              // "Free"
	ReasonSlidingScale     = "sliding-scale"     // "Sliding-scale fees"
	ReasonFee              = "fee"               // "Charges a fee"
	ReasonTakesInsurance   = "takes-insurance"   // "Takes Medicaid"
	ReasonInsuranceUnknown = "insurance-unknown" // "Insurance not listed · ask"
	ReasonWalkIn           = "walk-in"           // "Walk-ins welcome"
	ReasonVerified         = "verified"          // "Verified 2 months ago"
	ReasonStale            = "stale"             // "Last verified 8 years ago · may be out of date"
	ReasonTextMatch        = "text-match"        // matched by the listing's words
	ReasonOutOfSeason      = "out-of-season"     // "Closed for the season (usually May to November)"
)

// renderer writes reasons in one language.
type renderer struct {
	lang  string
	unit  string
	now   time.Time
	stale time.Duration
}

func (r renderer) t(key string, args ...string) string {
	return i18n.Default.T(r.lang, "match."+key, args...)
}

// capitalize upper-cases the first letter of s.
func capitalize(s string) string {
	c, n := utf8.DecodeRuneInString(s)
	if n == 0 {
		return s
	}
	return string(unicode.ToUpper(c)) + s[n:]
}

// list joins words with commas and a final "or" / "o".
func (r renderer) list(items []string, conj string) string {
	switch len(items) {
	case 0:
		return ""
	case 1:
		return items[0]
	}
	return strings.Join(items[:len(items)-1], ", ") + " " + r.t(conj) + " " + items[len(items)-1]
}

// population, gender and plan name them with the pages' words.
func (r renderer) population(p string) string { return i18n.Default.T(r.lang, "population."+p) }

func (r renderer) gender(g string) string { return i18n.Default.T(r.lang, "gender."+g) }

func (r renderer) plan(p string) string { return i18n.Default.T(r.lang, "insurance."+p) }

// exclusion writes why a rule excludes service s.
func (r renderer) exclusion(s *directory.Service, h need.Exclusion) Reason {
	el := s.Eligibility
	var text string
	switch h.Code {
	case need.ExclInactive:
		text = r.t("excl.inactive")
	case need.ExclGender:
		var who []string
		for _, g := range el.Genders {
			who = append(who, r.gender(g))
		}
		text = capitalize(r.t("excl.only", "who", r.list(who, "and")))
	case need.ExclAge:
		text = r.ages(el.Age, "excl.")
	case need.ExclVeteransOnly:
		text = capitalize(r.t("excl.only", "who", r.population(directory.PopulationVeterans)))
	case need.ExclPopulation:
		var who []string
		for _, p := range el.Populations {
			who = append(who, r.population(p))
		}
		text = r.t("excl.for", "who", r.list(who, "or"))
	case need.ExclOutsideArea:
		text = r.t("excl.outside_area")
	case need.ExclClosed:
		text = r.closedUntil(h.Open, h.Zone)
	case need.ExclInsurance:
		if len(h.Plans) == 1 && h.Plans[0] == directory.InsuranceNone {
			text = r.t("excl.insurance_none")
		} else {
			text = r.t("excl.insurance", "plans", r.planList(h.Plans))
		}
	case need.ExclFee:
		text = r.t("excl.fee")
	case need.ExclWalkIn:
		text = r.t("excl.walk_in")
	case need.ExclWheelchair:
		text = r.t("excl.wheelchair")
	case need.ExclLanguage:
		var names []string
		for _, l := range need.LanguagesOf(s, nil) {
			names = append(names, r.languageName(l))
		}
		text = r.t("excl.language", "languages", r.list(names, "and"))
	}
	return Reason{Code: h.Code, Text: text}
}

// planList names the person's plans that the service does not take.
func (r renderer) planList(plans []string) string {
	var names []string
	for _, p := range plans {
		names = append(names, r.plan(p))
	}
	return r.list(names, "or")
}

// ages writes an age rule: "Ages 18-24 only", "Ages 18 and older only".
// prefix is "excl." for an exclusion and "" for a fit.
func (r renderer) ages(a directory.AgeRange, prefix string) string {
	min, max := ageText(a)
	switch {
	case min != "" && max != "":
		return r.t(prefix+"ages_range", "min", min, "max", max)
	case min != "":
		return r.t(prefix+"ages_min", "min", min)
	}
	return r.t(prefix+"ages_max", "max", max)
}

// closedUntil says a place is closed and when it opens.
func (r renderer) closedUntil(st directory.OpenState, zone *time.Location) string {
	if st.Next.IsZero() {
		return r.t("excl.closed")
	}
	now := r.now.In(zone)
	next := st.Next.In(zone)
	if y, m, d := next.Date(); y == now.Year() && m == now.Month() && d == now.Day() {
		return r.t("excl.closed_until_time", "time", present.Clock(next, r.lang))
	}
	day := present.Day(next, now, r.lang)
	if r.lang == "es" && day != i18n.Default.T(r.lang, "day.today") && day != i18n.Default.T(r.lang, "day.tomorrow") {
		day = "el " + day // "hasta el lunes", but "hasta mañana"
	}
	return r.t("excl.closed_until", "day", day, "time", present.Clock(next, r.lang))
}

// openReason says whether a place is open, with present's wording.
func (r renderer) openReason(st directory.OpenState, zone *time.Location) Reason {
	text := present.Open(st, r.now, zone, r.lang)
	code := ReasonClosed
	switch {
	case !st.Known && st.ByAppointment:
		code = ReasonByAppointment
	case !st.Known:
		code = ReasonHoursUnknown
	case st.Open && !st.Until.IsZero() && st.Until.Sub(r.now) <= present.ClosingSoon:
		code = ReasonClosingSoon
	case st.Open:
		code = ReasonOpen
	case !st.Next.IsZero() && st.Next.Sub(r.now) <= openingSoon:
		code = ReasonOpensSoon
	}
	return Reason{Code: code, Text: text}
}

// ago says how long ago t was: "2 months ago", "hace 2 meses".
func (r renderer) ago(t time.Time) string {
	days := int(r.now.Sub(t).Hours() / 24)
	switch {
	case days < 1:
		return r.t("ago.today")
	case days < 31:
		return r.t("ago.days", "n", strconv.Itoa(days))
	case days < 730:
		return r.t("ago.months", "n", strconv.Itoa(int(math.Round(float64(days)/30.44))))
	}
	return r.t("ago.years", "n", strconv.Itoa(days/365))
}

// languageName names a language code in the reader's language.
func (r renderer) languageName(code string) string {
	tag, err := language.Parse(code)
	if err != nil {
		return code
	}
	n := display.Tags(language.Make(r.lang)).Name(tag)
	if n == "" {
		return code
	}
	return n
}

// resultReasons explains a ranked result in the order people read a card:
// what it is, how far, whether open, why it fits, language, cost,
// insurance, walk-in and how fresh the listing is.
func (r renderer) resultReasons(m *Matcher, res *Ranked, person *need.Person, ra *ReadAs) []Reason {
	s := res.Service
	var out []Reason
	if c := m.matchedCategory(s, ra); c != nil {
		out = append(out, Reason{Code: ReasonCategory, Text: c.Label.In(r.lang)})
	} else if ra.TextSearch {
		out = append(out, Reason{Code: ReasonTextMatch, Text: r.t("text_match")})
	}
	switch {
	case res.Location != nil && res.Location.Confidential:
		out = append(out, Reason{Code: ReasonConfidential, Text: r.t("confidential")})
	case res.Distance != nil:
		out = append(out, Reason{Code: ReasonDistance, Text: present.Away(geo.FormatDistance(*res.Distance, r.unit), r.lang)})
	case res.Location == nil:
		out = append(out, Reason{Code: ReasonRemote, Text: r.t("remote")})
	}
	if res.OutOfSeason {
		out = append(out, r.seasonReason(res))
	} else {
		out = append(out, r.openReason(res.Open, res.zone))
	}
	switch res.fitWhy {
	case "":
	case directory.PopulationVeterans:
		out = append(out, Reason{Code: ReasonServesVeterans, Text: r.t("serves", "who", r.population(directory.PopulationVeterans))})
	case "gender":
		var who []string
		for _, g := range s.Eligibility.Genders {
			who = append(who, r.gender(g))
		}
		out = append(out, Reason{Code: ReasonServesGender, Text: r.t("serves", "who", r.list(who, "and"))})
	case "age":
		out = append(out, Reason{Code: ReasonAges, Text: r.ages(s.Eligibility.Age, "")})
	default:
		out = append(out, Reason{Code: ReasonServes, Text: r.t("serves", "who", r.population(res.fitWhy))})
	}
	if res.Parts.Fit == fitUnsettled && person != nil {
		out = append(out, r.caution(s, person)...)
	}
	if res.langWhy != "" {
		out = append(out, Reason{Code: ReasonLanguage, Text: r.t("language", "language", r.languageName(res.langWhy))})
	}
	switch s.Cost {
	case directory.CostFree:
		out = append(out, Reason{Code: ReasonFree, Text: r.t("free")})
	case directory.CostSlidingScale:
		out = append(out, Reason{Code: ReasonSlidingScale, Text: r.t("sliding_scale")})
	case directory.CostFee:
		out = append(out, Reason{Code: ReasonFee, Text: r.t("fee")})
	}
	if person != nil && len(person.Insurance) > 0 {
		switch plan := takesPlan(s, person.Insurance); {
		case plan == directory.InsuranceNone:
			out = append(out, Reason{Code: ReasonTakesInsurance, Text: r.t("takes_uninsured")})
		case plan != "":
			out = append(out, Reason{Code: ReasonTakesInsurance, Text: r.t("takes", "plan", r.plan(plan))})
		case len(s.Insurance) == 0 && s.Cost != directory.CostFree:
			out = append(out, Reason{Code: ReasonInsuranceUnknown, Text: r.t("insurance_unknown")})
		}
	}
	if contains(s.Apply, directory.ApplyWalkIn) {
		out = append(out, Reason{Code: ReasonWalkIn, Text: r.t("walk_in")})
	}
	if !s.LastVerified.IsZero() {
		if r.stale > 0 && r.now.Sub(s.LastVerified) > r.stale {
			out = append(out, Reason{Code: ReasonStale, Text: r.t("stale", "ago", r.ago(s.LastVerified))})
		} else {
			out = append(out, Reason{Code: ReasonVerified, Text: r.t("verified", "ago", r.ago(s.LastVerified))})
		}
	}
	return out
}

// caution names the restrictions the profile leaves open ("Veterans only
// · ask first").
func (r renderer) caution(s *directory.Service, p *need.Person) []Reason {
	var out []Reason
	el := s.Eligibility
	if onlyVeterans(el.Populations) && p.Veteran == nil {
		rule := capitalize(r.t("excl.only", "who", r.population(directory.PopulationVeterans)))
		out = append(out, Reason{Code: ReasonCheckEligibility, Text: r.t("ask", "rule", rule)})
	}
	if !el.Age.IsZero() && p.Age == nil {
		out = append(out, Reason{Code: ReasonCheckEligibility, Text: r.t("ask", "rule", r.ages(el.Age, "excl."))})
	}
	return out
}

// widening says what was widened: the need to its parent, the reach, or
// both; "" when nothing was. shown is how many services the answer lists
// and left how many it leaves out: when it lists none, the widening found
// nothing either, and says so instead of what it would show.
func (r renderer) widening(m *Matcher, w Widening, shown, left int) string {
	// label names categories; short drops a label's explanation in
	// parentheses, for the first mention: "detox", then "ask them about
	// detox (withdrawal management)".
	label := func(ids []string, short bool) string {
		var ls []string
		for _, id := range ids {
			if c := m.tax.Category(id); c != nil {
				l := strings.ToLower(c.Label.In(r.lang))
				if i := strings.Index(l, " ("); short && i > 0 {
					l = l[:i]
				}
				ls = append(ls, l)
			}
		}
		return r.list(ls, "or")
	}
	reach := func(meters float64) string { return geo.FormatDistance(meters, r.unit) }
	if shown == 0 && (len(w.To) > 0 || w.ToMeters > 0) {
		key := "widened.none"
		if left > 0 {
			key = "widened.none_eligible"
		}
		if len(w.To) == 0 {
			return r.t(key+"_any", "n", strconv.Itoa(left))
		}
		return r.t(key, "need", label(w.From, true), "parent", label(w.To, true), "n", strconv.Itoa(left))
	}
	var parts []string
	if len(w.To) > 0 {
		args := []string{"need", label(w.From, true), "parent", label(w.To, true), "about", label(w.From, false)}
		if w.FromMeters == 0 {
			parts = append(parts, r.t("widened.parent_anywhere", args...))
		} else {
			parts = append(parts, r.t("widened.parent", append(args, "reach", reach(w.FromMeters))...))
		}
	}
	if w.ToMeters > 0 {
		if math.IsInf(w.ToMeters, 1) {
			parts = append(parts, r.t("widened.everywhere", "from", reach(w.FromMeters)))
		} else {
			parts = append(parts, r.t("widened.reach", "from", reach(w.FromMeters), "to", reach(w.ToMeters)))
		}
	}
	return strings.Join(parts, " ")
}

// seasonReason says a seasonal service is closed for the season, and
// when its season usually runs.
func (r renderer) seasonReason(res *Ranked) Reason {
	s := res.season
	from := r.monthName(s.FromMonth)
	to := r.monthName(s.ToMonth)
	key := "out_of_season"
	if res.usualSeason {
		key = "out_of_season_usual"
	}
	return Reason{Code: ReasonOutOfSeason, Text: r.t(key, "from", from, "to", to)}
}

// monthName names a month in the reader's language.
func (r renderer) monthName(m time.Month) string {
	return i18n.Default.T(r.lang, "month."+strings.ToLower(m.String()))
}

// matchedCategory returns the most specific of the service's categories
// that the reading asked for (or widened to).
func (m *Matcher) matchedCategory(s *directory.Service, ra *ReadAs) *directory.Category {
	var best *directory.Category
	score := 0
	for _, c := range s.Categories {
		for i, group := range [][]string{ra.Categories, ra.Widened} {
			for _, r := range group {
				v := 0
				switch {
				case c == r:
					v = 4 - i*2
				case directory.IsSubcategory(c, r):
					v = 3 - i*2
				}
				if v > score {
					score, best = v, m.tax.Category(c)
				}
			}
		}
	}
	return best
}
