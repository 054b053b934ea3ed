package webui

import (
	"errors"
	"net/http"
	"strconv"
	"strings"

	"github.com/labstack/echo/v4"

	"trellis/internal/apperr"
	"trellis/internal/present"
	"trellis/internal/referral"
)

// agencyBody is the page the receiving agency opens from its link.
type agencyBody struct {
	Code, Service, Org, Need, Status, Created, Expires string
	// Consent is how the peer consented and when; Scope what they agreed
	// to, as a sentence for the agency.
	Consent, Scope string
	Contact        string
	// Referrer and ReferrerEmail are who referred: the organization and
	// the specialist's work email.
	Referrer, ReferrerEmail string
	// Part2 marks a referral under 42 CFR Part 2; Notice is then the
	// redisclosure notice in the page's language.
	Part2  bool
	Notice string
	Next   []option
	// Done says what was just saved; Closed that it closed the referral,
	// so the link will not open it again.
	Done   string
	Closed bool
	// The form as the agency filled it, and why it was refused.
	Note    string
	Error   string
	Checked bool
	MaxNote int
}

// goneBody is the plain page a link that no longer works opens: why, in
// the page's language, and nothing of the referral.
type goneBody struct {
	Heading, Text string
}

// agencyPage lets the receiving agency see a referral and accept, decline
// or complete it without an account; the link's token is the key. The
// language switch posts the form again with setlang: the page comes back
// as filled, refused moves with their reason, and nothing is saved. A
// link that ended (the referral withdrawn, closed or cancelled, the link
// revoked or replaced) answers 410 with a plain page saying so, and an
// expired one 404.
func (u *UI) agencyPage(c echo.Context) error {
	if u.refs == nil {
		return apperr.New(apperr.Unavailable, "referrals are not configured on this server")
	}
	p, r, err := u.appPage(c, "app.agency.title")
	if err != nil {
		return err
	}
	p.App = false
	token := c.Param("token")
	p.Action = "/agency/" + token
	ctx := c.Request().Context()
	b := agencyBody{MaxNote: referral.MaxEventNote}
	status := http.StatusOK
	form := c.Request().PostForm
	ch := referral.Change{To: referral.Status(form.Get("to")), Note: strings.TrimSpace(form.Get("note"))}
	selected := ""
	var av *referral.AgencyView
	if c.Request().Method == http.MethodPost {
		selected, b.Note = string(ch.To), ch.Note
		var err error
		if form.Has("setlang") {
			if truthy(form.Get("checked")) {
				err = u.checkAgencyMove(c, token, ch)
			}
		} else {
			av, _, err = u.refs.AgencyMove(ctx, token, ch)
			if err == nil {
				b.Done = p.T("app.agency.done", "status", p.T("app.status."+string(ch.To)))
				b.Closed = ch.To.Terminal()
				selected, b.Note = "", ""
			}
		}
		ae := apperr.As(err)
		switch {
		case err == nil:
		case ae != nil && (ae.Code == apperr.Invalid || ae.Code == apperr.Conflict):
			b.Error, b.Checked, status = agencyError(r.lang, ch.To, err), true, http.StatusConflict
		default:
			return u.linkEnded(c, p, err)
		}
	}
	if av == nil {
		if av, err = u.refs.AgencyReferral(ctx, token); err != nil {
			return u.linkEnded(c, p, err)
		}
	}
	av.InLanguage(r.lang)
	b.Code, b.Need, b.Service = av.PeerRef, av.Need, av.ServiceKey
	if s := r.snap.Catalog.Service(av.ServiceKey); s != nil {
		b.Service, b.Org = s.Name, s.Org.Name
	}
	if cat := r.snap.Catalog.Taxonomy.Category(av.Need); cat != nil {
		b.Need = cat.Label.In(r.lang)
	}
	// The agency holds a link: the referral was sent to it.
	b.Status = statusLabel(r.lang, av.Status, true)
	tz := r.tz()
	b.Created = present.Date(av.CreatedAt.In(tz), r.lang)
	b.Expires = present.Date(av.LinkExpiresAt.In(tz), r.lang)
	b.Consent = p.T("app.agency.consent_line", "how", p.T("app.consent."+string(av.Consent.Method)),
		"date", present.Date(av.Consent.GivenAt.In(tz), r.lang))
	b.Scope = p.T("app.agency.scope." + string(av.Consent.Scope))
	b.Referrer, b.ReferrerEmail = av.ReferredBy.Organization, av.ReferredBy.Email
	b.Part2, b.Notice = av.Part2, av.RedisclosureNotice
	if ct := av.Contact; ct != nil {
		b.Contact = strings.TrimSpace(ct.Phone + " " + ct.Email)
	}
	if !b.Closed {
		for _, s := range av.Allowed {
			b.Next = append(b.Next, option{Value: string(s), Label: p.T("app.agency.answer." + string(s)), Selected: string(s) == selected})
		}
	}
	if len(b.Next) > 0 {
		p.StateForm = "agency-form"
	}
	p.Title = p.T("app.agency.title")
	p.Body = b
	return u.render(c, status, "agency", p)
}

// linkEnded draws the plain page for an agency link that does not work:
// 410 saying why for one that ended (the referral withdrawn or closed,
// the link revoked or replaced), 404 for one that expired. Other errors
// (an unknown link, a store failure) go to the error page.
func (u *UI) linkEnded(c echo.Context, p *page, err error) error {
	ae := apperr.As(err)
	key, status := "", 0
	switch {
	case errors.Is(err, referral.ErrLinkExpired):
		key, status = "expired", http.StatusNotFound
	case ae != nil && ae.Code == apperr.Gone:
		reason, _ := ae.Details["reason"].(string)
		switch reason {
		case "withdrawn", "closed", "revoked":
			key = reason
		default:
			key = "revoked"
		}
		status = http.StatusGone
	default:
		return err
	}
	p.StateForm = ""
	p.Title = p.T("app.gone.title")
	p.Body = goneBody{Heading: p.T("app.gone.title"), Text: p.T("app.gone." + key)}
	return u.render(c, status, "gone", p)
}

// checkAgencyMove checks change ch by the agency holding token against
// the referral as it stands, as AgencyMove would, without making it.
func (u *UI) checkAgencyMove(c echo.Context, token string, ch referral.Change) error {
	ctx := c.Request().Context()
	l, ref, err := referral.OpenAgencyLink(ctx, u.refs.Store, token, u.now())
	if err != nil {
		return err
	}
	if ch.To == "" {
		return apperr.Field("status", "give the new status")
	}
	if ch.To == ref.Status {
		return &referral.TransitionError{ID: ref.ID, From: ref.Status, To: ch.To}
	}
	_, err = referral.NewEvent(ref, referral.AgencyActor(l.ID), ch, u.now())
	return err
}

// agencyError says in lang why the agency's move to `to` was refused.
func agencyError(lang string, to referral.Status, err error) string {
	ae := apperr.As(err)
	switch {
	case ae != nil && ae.Field == "note" && to == referral.StatusDeclined:
		return i18nT(lang, "app.agency.reason_required")
	case ae != nil && ae.Field == "note":
		return i18nT(lang, "app.referral.note_long", "max", strconv.Itoa(referral.MaxEventNote))
	case ae != nil && ae.Field == "status" && to == "":
		return i18nT(lang, "app.agency.choose")
	}
	return i18nT(lang, "app.agency.cannot_move", "to", i18nT(lang, "app.status."+string(to)))
}
