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
	SiteName    string
	Notice      string
	Attribution []string
	ShowNotice  bool
	Body        any
	// App marks the signed-in workspace: User and Role name who is signed
	// in, CSRF is the session's token for its forms.
	App                bool
	User, Role, CSRF   string
	CanRefer, CanAdmin bool
}

// newPage returns the page frame for a request (nil for error pages) in
// lang, re-rendered by action.
func (u *UI) newPage(r *request, lang, action string) *page {
	p := &page{Lang: lang, Kiosk: u.opt.Kiosk, IdleSeconds: int(u.opt.KioskIdle.Seconds()), Method: "get", Action: action}
	if u.opt.Kiosk {
		p.Method = "post"
	}
	if r != nil {
		p.Form = r.form
		p.Form.Lang = lang
		info := r.snap.Catalog.Info
		p.SiteName, p.Notice, p.Attribution = info.Name, info.Notice, info.Attribution
	}
	return p
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

// StartURL is the start page in the page's language; kiosks start over
// in the default language.
func (p *page) StartURL() string {
	if p.Kiosk || p.Lang == i18n.Default.Languages()[0] {
		return "/"
	}
	return "/?" + url.Values{"lang": {p.Lang}}.Encode()
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
	for _, on := range []bool{p.Form.Category != "", p.Form.Open, p.Form.Free, p.Form.Language != "", p.Form.Radius != ""} {
		if on {
			n++
		}
	}
	return n
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

// rowsArgs is what the referral table template renders.
type rowsArgs struct {
	P    *page
	Rows []referralRow
	ID   string
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
	"rows":     func(p *page, rows []referralRow, id string) rowsArgs { return rowsArgs{P: p, Rows: rows, ID: id} },
}
