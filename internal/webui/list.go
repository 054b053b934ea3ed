package webui

import (
	"errors"
	"html/template"
	"net/http"
	"net/url"
	"strings"

	"github.com/labstack/echo/v4"

	"trellis/internal/apperr"
	"trellis/internal/i18n"
	"trellis/internal/present"
	"trellis/internal/shortlist"
)

// listBody is the printable list of ticked services.
type listBody struct {
	Services []serviceBody
	// Meetings are the recovery meetings on the list (meetings.go).
	Meetings []meetingCard
	QR       template.HTML
	// QRURL is the link the QR code and the share links carry: the short
	// link when the list could be saved, else the services' ids.
	QRURL string
	// Code is the list's short code, printed under the QR code for
	// people who type it; Expires says until when it works.
	Code    string
	Expires string
	// SMS and Email share the link from a phone.
	SMS, Email template.URL
	Carry      bool
	// Gone counts services of a saved list that are no longer in the
	// directory.
	Gone int
	// HasSearch is whether there are results to go back to.
	HasSearch bool
}

// list renders the visitor's ticked services to print, with a QR code
// that carries the list to a phone.
func (u *UI) list(c echo.Context) error {
	r, ok, err := u.newRequest(c)
	if err != nil {
		return err
	}
	if !ok {
		return startOver(c)
	}
	p := u.newPage(r, r.lang, "/list")
	p.Reset, p.ShowNotice = true, true
	p.Title = p.T("list.title")
	b, err := u.listBody(c, r, p, true)
	if err != nil {
		return err
	}
	p.Body = b
	return u.render(c, http.StatusOK, "list", p)
}

// saved renders a list carried to a phone by QR code: /saved?s=id,id.
// It is never a kiosk page: it is read on the visitor's own phone.
func (u *UI) saved(c echo.Context) error {
	r, _, err := u.newRequest(c)
	if err != nil {
		return err
	}
	return u.renderSaved(c, r, "", 0)
}

// short renders the list saved behind a short code: /l/CODE. A code that
// is unknown or expired answers 404 with a page that says lists last 30
// days.
func (u *UI) short(c echo.Context) error {
	r, _, err := u.newRequest(c)
	if err != nil {
		return err
	}
	code, ok := shortlist.NormalizeCode(c.Param("code"))
	if !ok || u.opt.Lists == nil {
		return apperr.New(apperr.NotFound, "no list with this code")
	}
	l, err := u.opt.Lists.List(c.Request().Context(), code, r.now)
	if errors.Is(err, shortlist.ErrNotFound) {
		return apperr.New(apperr.NotFound, "no list with this code: lists last 30 days")
	}
	if err != nil {
		return err
	}
	r.form.Picks = cleanPicks(l.IDs, r.snap.Catalog)
	return u.renderSaved(c, r, l.Code, len(l.IDs)-len(r.form.Picks))
}

// renderSaved renders the phone side of a list, saved under code (""
// for a list given by its ids); gone counts its services no longer in
// the directory.
func (u *UI) renderSaved(c echo.Context, r *request, code string, gone int) error {
	r.form.Issued = 0
	p := u.newPage(r, r.lang, c.Request().URL.Path)
	p.Kiosk, p.Method, p.ShowNotice = false, "get", true
	p.Title = p.T("list.saved_title")
	b, err := u.listBody(c, r, p, false)
	if err != nil {
		return err
	}
	b.Carry, b.QR, b.Gone = true, "", gone
	if code != "" && len(b.Services) > 0 {
		b.QRURL = u.shortURL(c, code, r.lang)
		b.setShare(p)
	}
	p.Body = b
	return u.render(c, http.StatusOK, "list", p)
}

// listBody renders the services on the list; with save, it keeps the
// list behind a new short code for the QR code and the share links.
func (u *UI) listBody(c echo.Context, r *request, p *page, save bool) (listBody, error) {
	v := present.Viewer{Catalog: r.snap.Catalog, Lang: r.lang, Now: r.now, Unit: "mi"}
	w := newWords(r, nil)
	b := listBody{HasSearch: r.form.hasSearch()}
	for _, id := range r.form.Picks {
		if s := r.snap.Catalog.Service(id); s != nil {
			b.Services = append(b.Services, detailBody(v, w, s, true))
		} else if m := r.snap.Catalog.Meeting(id); m != nil {
			b.Meetings = append(b.Meetings, listMeeting(v, w, r.snap.Matcher, m))
		}
	}
	if len(r.form.Picks) == 0 {
		return b, nil
	}
	b.QRURL = u.savedURL(c, r.form.Picks, r.lang)
	if save && u.opt.Lists != nil {
		l, err := shortlist.Save(c.Request().Context(), u.opt.Lists, r.form.Picks, r.now)
		if err != nil {
			// The long link still carries the list.
			u.log.Error("save short list", "err", err)
		} else {
			b.QRURL, b.Code = u.shortURL(c, l.Code, r.lang), l.Code
			b.Expires = present.Date(l.ExpiresAt.In(r.snap.Catalog.Info.TimeZone), r.lang)
		}
	}
	if save {
		svg, err := qrSVG(b.QRURL, p.T("list.qr_alt"))
		if err != nil {
			return b, err
		}
		b.QR = svg
	}
	b.setShare(p)
	return b, nil
}

// setShare sets the text-message and email links that share QRURL.
func (b *listBody) setShare(p *page) {
	text := p.T("list.share_text", "link", b.QRURL)
	b.SMS = template.URL("sms:?&body=" + uriEscape(text))
	b.Email = template.URL("mailto:?subject=" + uriEscape(p.T("list.share_subject")) + "&body=" + uriEscape(text))
}

// uriEscape escapes s for the query of an sms: or mailto: link, spaces as
// %20, which mail and message apps read as spaces (some keep a + as is).
func uriEscape(s string) string { return strings.ReplaceAll(url.QueryEscape(s), "+", "%20") }

// savedURL is the long form of a list's link: the saved-list page with
// the services' ids and the language, and nothing about the person.
func (u *UI) savedURL(c echo.Context, ids []string, lang string) string {
	return u.srv.BaseURL(c) + "/saved?lang=" + lang + "&s=" + strings.Join(ids, ",")
}

// shortURL is a list's short link: /l/CODE, with the language when it is
// not the default.
func (u *UI) shortURL(c echo.Context, code, lang string) string {
	s := u.srv.BaseURL(c) + "/l/" + code
	if lang != i18n.Default.Languages()[0] {
		s += "?lang=" + lang
	}
	return s
}
