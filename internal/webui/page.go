package webui

import (
	"html/template"
	"net/url"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/language"
	"golang.org/x/text/language/display"

	"trellis/internal/i18n"
)

// page is what layout.html and every page template render from.
type page struct {
	Lang  string
	Title string
	// Kiosk pages have large text, the high-contrast switch and the
	// "start over" link; IdleSeconds is the kiosk's idle time.
	Kiosk       bool
	IdleSeconds int
	// WarnSeconds is how long before the kiosk starts over its warning
	// shows, counting down.
	WarnSeconds int
	// Reset marks a kiosk page that starts over after the idle time, with
	// a meta refresh for browsers without JavaScript.
	Reset bool
	// Method is the forms' method: "post" in kiosk mode, else "get".
	Method string
	// Action is the address that renders this page again (for the language
	// and contrast switches).
	Action string
	Form   form
	// SiteName is the directory's name; Notice and Attribution are the
	// data's notice and credits, shown under results.
	SiteName string
	// MapAttribution credits the deployment's map tiles under each map.
	MapAttribution string
	Notice         string
	Attribution    []string
	ShowNotice     bool
	Body           any
	// App marks the signed-in workspace: User and Role name who is signed
	// in, CSRF is the session's token for its forms.
	App                bool
	User, Role, CSRF   string
	CanRefer, CanAdmin bool
	// CanUsers marks an administrator, who manages accounts.
	CanUsers bool
	// Unread counts the signed-in specialist's referrals with an agency
	// answer they have not opened yet.
	Unread int
	// Workspace marks the pages of the referral loop (the workspace, the
	// agency's page, the peer's slip), which load the workspace styles.
	Workspace bool
	// StateForm is the id of the form holding a workspace page's state (a
	// profile, a referral being written, a link being shown): the
	// language switch submits that form to Action, so the same state comes
	// back in the other language. Empty for pages whose address is their
	// state.
	StateForm string
	// StateMethod is how the language switch submits StateForm: "post"
	// (when empty), or "get" for a form whose fields are the page's
	// address (a filtered list).
	StateMethod string
}

// newPage returns the page frame for a request (nil for error pages) in
// lang, re-rendered by action.
func (u *UI) newPage(r *request, lang, action string) *page {
	idle := int(u.opt.KioskIdle.Seconds())
	p := &page{Lang: lang, Kiosk: u.opt.Kiosk, IdleSeconds: idle, WarnSeconds: min(20, idle/4), Method: "get", Action: action}
	if u.opt.Kiosk {
		p.Method = "post"
	}
	p.MapAttribution = u.opt.MapAttribution
	if r != nil {
		p.Form = r.form
		p.Form.Lang = lang
		info := r.snap.Catalog.Info
		p.SiteName, p.Notice, p.Attribution = info.Name, info.Notice, info.Attribution
	}
	return p
}

// Href returns a workspace path with the page's language, which
// workspace links and redirects carry from page to page.
func (p *page) Href(path string) string { return withLang(path, p.Lang) }

// LangField renders the hidden input that keeps a workspace form's page
// in its language.
func (p *page) LangField() template.HTML {
	return template.HTML(`<input type="hidden" name="lang" value="` + template.HTMLEscapeString(p.Lang) + `">`)
}

// withLang returns path with lang as its lang parameter.
func withLang(path, lang string) string {
	sep := "?"
	if strings.Contains(path, "?") {
		sep = "&"
	}
	return path + sep + url.Values{"lang": {lang}}.Encode()
}

// T returns the message key in the page's language.
func (p *page) T(key string, args ...string) string { return i18n.Default.T(p.Lang, key, args...) }

// Hidden renders the page's state as hidden inputs, leaving out skip.
func (p *page) Hidden(skip ...string) template.HTML { return p.Form.hidden(skip...) }

// HiddenPicks renders hidden inputs for the ticked services in ids.
func (p *page) HiddenPicks(ids []string) template.HTML {
	var b strings.Builder
	for _, id := range ids {
		b.WriteString(`<input type="hidden" name="pick" value="`)
		b.WriteString(template.HTMLEscapeString(id))
		b.WriteString(`">`)
	}
	return template.HTML(b.String())
}

// langChoice is a language the visitor can switch to, named in itself.
type langChoice struct {
	Code, Name string
}

// OtherLangs returns the languages the page is not in.
func (p *page) OtherLangs() []langChoice {
	var out []langChoice
	for _, l := range i18n.Default.Languages() {
		if l != p.Lang {
			out = append(out, langChoice{Code: l, Name: selfName(l)})
		}
	}
	return out
}

// StartURL is the start page with what the visitor carries through the
// site: the services on their list, the language and high contrast. The
// logo and every "new search" link go there, so the list survives them.
func (p *page) StartURL() string {
	f := form{Picks: p.Form.Picks, HC: p.Form.HC}
	if p.Lang != i18n.Default.Languages()[0] {
		f.Lang = p.Lang
	}
	if q := f.query(); q != "" {
		return "/?" + q
	}
	return "/"
}

// StartOverURL is the kiosk's "Start over": a fresh start page that keeps
// the visitor's choices of language and contrast, and nothing else.
func (p *page) StartOverURL() string {
	f := form{HC: p.Form.HC}
	if p.Lang != i18n.Default.Languages()[0] {
		f.Lang = p.Lang
	}
	if q := f.query(); q != "" {
		return "/?" + q
	}
	return "/"
}

// Countdown returns the kiosk's idle warning for each second left, from
// WarnSeconds down to 0, joined by newlines: the script shows one a
// second, so the plural rules stay in the message catalog.
func (p *page) Countdown() string {
	out := make([]string, p.WarnSeconds+1)
	for n := range out {
		out[n] = p.T("kiosk.countdown", "count", strconv.Itoa(n))
	}
	return strings.Join(out, "\n")
}

// EN marks listing text, which Trellis does not translate, as English:
// on a page in another language it adds a short "(in English)" so that
// nobody wonders why it is not in theirs.
func (p *page) EN(text string) template.HTML {
	if text == "" {
		return ""
	}
	s := `<span lang="en">` + template.HTMLEscapeString(text) + `</span>`
	if p.Lang != "en" {
		s += ` <span class="in-en">` + template.HTMLEscapeString(p.T("lang.in_english")) + `</span>`
	}
	return template.HTML(s)
}

// ENTel is EN for listing text that may name phone numbers ("Call the
// Shelter Hotline (311)"): each number becomes a tel: link.
func (p *page) ENTel(text string) template.HTML {
	if text == "" {
		return ""
	}
	s := `<span lang="en">` + linkPhones(text) + `</span>`
	if p.Lang != "en" {
		s += ` <span class="in-en">` + template.HTMLEscapeString(p.T("lang.in_english")) + `</span>`
	}
	return template.HTML(s)
}

// selfName names a language in itself, capitalized: "Español".
func selfName(code string) string {
	tag := language.Make(code)
	return capitalize(display.Self.Name(tag))
}

// languageName names a language in lang ("Spanish", "español" becomes
// "Español"), falling back to the code.
func languageName(code, lang string) string {
	n := display.Tags(language.Make(lang)).Name(language.Make(code))
	if n == "" {
		return code
	}
	return capitalize(n)
}

func capitalize(s string) string {
	r, n := utf8.DecodeRuneInString(s)
	if r == utf8.RuneError {
		return s
	}
	return string(unicode.ToUpper(r)) + s[n:]
}

// ActiveFilters counts the filters the visitor has set.
func (p *page) ActiveFilters() int {
	n := 0
	for _, on := range []bool{p.Form.Category != "", p.Form.Open, p.Form.Free, p.Form.Language != "", p.Form.Radius != "",
		p.Form.Age != nil, p.Form.Gender != "", p.Form.Veteran, p.Form.Family} {
		if on {
			n++
		}
	}
	return n
}

// DetailsURL is the service page of service id, as a link that carries
// the visitor's search and list, so that it opens in a new tab and comes
// back to the same results.
func (p *page) DetailsURL(id string) string {
	u := "/services/" + url.PathEscape(id)
	if q := p.Form.query("t"); q != "" {
		u += "?" + q
	}
	return u
}

// FiltersOpen reports whether the filters start unfolded.
func (p *page) FiltersOpen() bool { return p.ActiveFilters() > 0 }

// cardArgs is what the card template renders: the page, the card and its
// position on the page.
type cardArgs struct {
	P *page
	C card
	N int
}

// funcs are the template helpers.
var funcs = template.FuncMap{
	"add":  func(a, b int) int { return a + b },
	"mul":  func(a, b int) int { return a * b },
	"itoa": strconv.Itoa,
	"join": func(xs []string, sep string) string {
		return strings.Join(xs, sep)
	},
	"cardArgs": func(p *page, c card, n int) cardArgs { return cardArgs{P: p, C: c, N: n} },
	"icon":     func(name string) template.HTML { return icons[name] },
}
