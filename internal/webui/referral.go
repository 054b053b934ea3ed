package webui

import (
	"errors"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"trellis/internal/apperr"
	"trellis/internal/present"
	"trellis/internal/referral"
)

// referralBody is one referral with its timeline.
type referralBody struct {
	referralRow
	// Issued says the referral code was just issued to a new peer;
	// Recorded that the referral was just recorded for a returning one.
	Issued, Recorded bool
	Notes            string
	Consent          string
	Given            string
	Withdrawn        string
	Part2            bool
	Contact          string
	Events           []eventRow
	Next             []option
	// Link is an agency link just made, shown this once (and again when
	// the page is drawn in another language, from LinkToken); SentOn says
	// when the first link was made.
	Link, LinkToken string
	SentOn          string
	// Open says the referral can still move and get a link.
	Open bool
	// Links are the referral's agency links, newest first, and Emails
	// the emails about it with how delivery went.
	Links  []linkRow
	Emails []mailRow
	// The move form as the specialist filled it, and why it was refused.
	MoveTo, MoveNote, MoveFollowUp string
	Error                          string
	Checked                        bool
	MaxNote                        int
	// The consent withdrawal form, and why it was refused.
	WithdrawNote, WithdrawError string
}

// eventRow is a line of the timeline: an event, or an agency link made
// or ended.
type eventRow struct {
	At, Who, Change, Note, FollowUp string
	// Class marks a line that stands out: "withdrawn", "ended", "new".
	Class string
	at    time.Time
}

// linkRow is an agency link as the referral page lists it.
type linkRow struct {
	ID, Made, State string
	// Works is true while the agency can open it; the page offers to
	// revoke it.
	Works bool
}

// mailRow is an email about the referral and how its delivery went.
type mailRow struct {
	To, State string
}

// referralView is what a referral page shows besides the referral: a
// link just made, the move form as filled with why it was refused, and
// the consent withdrawal's refusal.
type referralView struct {
	link     string
	move     referral.Change
	moveTo   string
	follow   string
	err      error
	withdraw string
	wErr     error
	status   int
}

// referralPage shows a referral, its timeline, the moves allowed and the
// agency link. Posted (by the language switch), it draws the page again
// as it was: the link just made, the move form as filled and, for a move
// that was refused, why, all without changing anything.
func (u *UI) referralPage(c echo.Context) error {
	view := referralView{status: http.StatusOK}
	if c.Request().Method == http.MethodPost {
		if err := readForm(c); err != nil {
			return err
		}
		f := c.Request().PostForm
		view.link = u.shownLink(c, f.Get("link"))
		view.moveTo, view.follow = f.Get("to"), f.Get("follow_up")
		view.move = referral.Change{To: referral.Status(view.moveTo), Note: strings.TrimSpace(f.Get("note"))}
		if truthy(f.Get("checked")) {
			view.err = errCheckMove
		}
	}
	return u.showReferral(c, view)
}

// errCheckMove asks showReferral to check the move form again.
var errCheckMove = errors.New("check the move again")

// shownLink returns token when it opens an unexpired agency link of the
// referral in the request's path (a link the page was showing), else "".
func (u *UI) shownLink(c echo.Context, token string) string {
	if token == "" {
		return ""
	}
	l, err := u.refs.Store.AgencyLink(c.Request().Context(), referral.HashToken(token))
	if err != nil || l.ReferralID != c.Param("id") || l.Expired(u.now()) || l.Revoked() {
		return ""
	}
	return token
}

func (u *UI) showReferral(c echo.Context, view referralView) error {
	p, r, err := u.appPage(c, "app.referral.title")
	if err != nil {
		return err
	}
	ctx := c.Request().Context()
	ref, evs, err := u.refs.Get(ctx, viewer(c), c.Param("id"))
	if err != nil {
		return err
	}
	// Get checked that the viewer may see it and audited the read: its
	// links and emails are part of what was read.
	links, err := u.refs.Store.AgencyLinks(ctx, ref.ID)
	if err != nil {
		return err
	}
	mail, err := u.refs.Store.Mail(ctx, ref.ID)
	if err != nil {
		return err
	}
	if ref.Unread() && ref.SpecialistID == viewer(c).UserID {
		// Get read the answer; the badge counted it before.
		p.Unread = max(p.Unread-1, 0)
	}
	if view.err == errCheckMove {
		view.err = checkMove(ref, view, r.now)
		if view.err != nil {
			view.status = http.StatusConflict
		}
	}
	q := c.QueryParams()
	b := referralBody{referralRow: u.row(r, ref), Notes: ref.Notes, Part2: ref.Consent.Part2Notice, LinkToken: view.link,
		Consent: consentText(r.lang, ref.Consent), Given: present.Date(ref.Consent.GivenAt.In(r.tz()), r.lang),
		Open: ref.Open(), Issued: q.Get("issued") == "1", Recorded: q.Get("recorded") == "1",
		MoveTo: view.moveTo, MoveNote: view.move.Note, MoveFollowUp: view.follow, MaxNote: referral.MaxEventNote,
		WithdrawNote: view.withdraw}
	if ref.Consent.Withdrawn() {
		b.Withdrawn = present.Date(ref.Consent.WithdrawnAt.In(r.tz()), r.lang)
	}
	if view.err != nil {
		b.Error, b.Checked = moveError(r.lang, ref, view.move.To, view.err), true
	}
	if view.wErr != nil {
		b.WithdrawError = withdrawError(r.lang, view.wErr)
	}
	if view.link != "" {
		b.Link = u.srv.BaseURL(c) + "/agency/" + view.link
	}
	if !ref.SentAt.IsZero() {
		b.SentOn = present.Date(ref.SentAt.In(r.tz()), r.lang)
	}
	if ct := ref.Contact; ct != nil {
		b.Contact = strings.TrimSpace(ct.Phone + " " + ct.Email)
	}
	b.Events = u.timeline(r, ref, evs, links)
	for _, l := range links {
		b.Links = append(b.Links, u.linkRow(r, ref, l))
	}
	for _, m := range mail {
		b.Emails = append(b.Emails, mailRow{To: m.To, State: mailState(r, m)})
	}
	for _, s := range referral.AllowedNextFor(referral.ActorUser, ref.Status) {
		b.Next = append(b.Next, option{Value: string(s), Label: i18nT(r.lang, "app.status."+string(s)), Selected: string(s) == view.moveTo})
	}
	p.Title = p.T("app.referral.title") + " " + ref.PeerRef
	p.Action = "/app/referrals/" + ref.ID
	p.StateForm = "view-form"
	if len(b.Next) > 0 {
		p.StateForm = "move-form"
	}
	p.Body = b
	return u.render(c, view.status, "referral", p)
}

// tz is the directory's time zone, in which pages write times.
func (r *request) tz() *time.Location {
	if tz := r.snap.Catalog.Info.TimeZone; tz != nil {
		return tz
	}
	return time.UTC
}

// consentText says in lang how and to what the peer consented.
func consentText(lang string, c referral.Consent) string {
	parts := []string{i18nT(lang, "app.consent."+string(c.Method))}
	if c.Signature != "" {
		parts = append(parts, i18nT(lang, "app.signature."+string(c.Signature)))
	}
	parts = append(parts, i18nT(lang, "app.scope."+string(c.Scope)))
	return strings.Join(parts, " · ")
}

// timeline returns the referral's events with its agency links made and
// ended, oldest first; an agency answer the specialist had not read is
// marked new.
func (u *UI) timeline(r *request, ref *referral.Referral, evs []referral.Event, links []*referral.AgencyLink) []eventRow {
	when := func(t time.Time) string {
		t = t.In(r.tz())
		return present.Date(t, r.lang) + " " + present.Clock(t, r.lang)
	}
	var out []eventRow
	for _, e := range evs {
		er := eventRow{At: when(e.At), at: e.At, Note: e.Note, Who: i18nT(r.lang, "app.actor."+string(e.Actor.Kind))}
		// "sent" reads as sent to the agency once a link was made.
		sent := !ref.SentAt.IsZero() && !ref.SentAt.After(e.At)
		switch {
		case e.Kind == referral.EventConsentWithdrawn:
			er.Change, er.Class = i18nT(r.lang, "app.event.withdrawn"), "withdrawn"
			if e.From != e.To {
				er.Change += " · " + i18nT(r.lang, "app.event.moved", "from", statusLabel(r.lang, e.From, sent), "to", statusLabel(r.lang, e.To, sent))
			}
		case e.From == "":
			er.Change = i18nT(r.lang, "app.event.created")
		case e.From != e.To:
			er.Change = i18nT(r.lang, "app.event.moved", "from", statusLabel(r.lang, e.From, sent), "to", statusLabel(r.lang, e.To, sent))
		default:
			er.Change = i18nT(r.lang, "app.event.updated")
		}
		if e.Actor.Kind == referral.ActorAgency && ref.Unread() && e.At.After(ref.AnswerSeenAt) {
			er.Class = "new"
		}
		if !e.FollowUp.IsZero() {
			er.FollowUp = present.Date(e.FollowUp, r.lang)
		}
		out = append(out, er)
	}
	for _, l := range links {
		out = append(out, eventRow{At: when(l.CreatedAt), at: l.CreatedAt, Who: i18nT(r.lang, "app.actor.user"),
			Change: i18nT(r.lang, "app.event.link_made", "date", present.Date(l.ExpiresAt.In(r.tz()), r.lang))})
		if l.Revoked() {
			who := i18nT(r.lang, "app.actor.user")
			if l.RevokedReason != referral.LinkEndRevoked && l.RevokedReason != referral.LinkEndReplaced {
				who = i18nT(r.lang, "app.actor.system")
			}
			out = append(out, eventRow{At: when(l.RevokedAt), at: l.RevokedAt, Who: who, Class: "ended",
				Change: i18nT(r.lang, "app.event.link_ended", "why", i18nT(r.lang, "app.link_end."+string(l.RevokedReason)))})
		}
	}
	// Events first at equal times: a link ends because of the event.
	slices.SortStableFunc(out, func(a, b eventRow) int { return a.at.Compare(b.at) })
	return out
}

// linkRow says whether agency link l works and until when, or why and
// when it ended.
func (u *UI) linkRow(r *request, ref *referral.Referral, l *referral.AgencyLink) linkRow {
	row := linkRow{ID: l.ID, Made: present.Date(l.CreatedAt.In(r.tz()), r.lang)}
	switch {
	case l.Revoked():
		row.State = i18nT(r.lang, "app.link.ended", "date", present.Date(l.RevokedAt.In(r.tz()), r.lang),
			"why", i18nT(r.lang, "app.link_end."+string(l.RevokedReason)))
	case l.Gone(ref) != nil:
		row.State = i18nT(r.lang, "app.link.closed")
	case l.Expired(r.now):
		row.State = i18nT(r.lang, "app.link.expired", "date", present.Date(l.ExpiresAt.In(r.tz()), r.lang))
	default:
		row.Works = true
		row.State = i18nT(r.lang, "app.link.works", "date", present.Date(l.ExpiresAt.In(r.tz()), r.lang))
	}
	return row
}

// mailState says in r's language how the delivery of email m went.
func mailState(r *request, m *referral.Mail) string {
	date := func(t time.Time) string { return present.Date(t.In(r.tz()), r.lang) }
	kind := i18nT(r.lang, "app.mail."+string(m.Kind))
	switch {
	case !m.SentAt.IsZero():
		return i18nT(r.lang, "app.mail.sent", "what", kind, "date", date(m.SentAt))
	case !m.CancelledAt.IsZero():
		return i18nT(r.lang, "app.mail.cancelled", "what", kind)
	case !m.FailedAt.IsZero():
		return i18nT(r.lang, "app.mail.failed", "what", kind)
	case m.Attempts > 0:
		return i18nT(r.lang, "app.mail.retrying", "what", kind, "count", strconv.Itoa(m.Attempts))
	}
	return i18nT(r.lang, "app.mail.queued", "what", kind)
}

// checkMove checks the move form against the referral as it stands now,
// as Move would, without making the move: nil when it would be made.
func checkMove(ref *referral.Referral, view referralView, now time.Time) error {
	ch := view.move
	if view.follow != "" {
		t, err := time.Parse(time.DateOnly, view.follow)
		if err != nil {
			return apperr.Field("follow_up", "follow_up must be a date")
		}
		ch.FollowUp = t
	}
	_, err := referral.NewEvent(ref, referral.UserActor("check"), ch, now)
	return err
}

// moveError says in lang why a move of ref to `to` was refused with err.
func moveError(lang string, ref *referral.Referral, to referral.Status, err error) string {
	var te *referral.TransitionError
	switch ae := apperr.As(err); {
	case errors.As(err, &te):
		return i18nT(lang, "app.referral.cannot_move", "from", statusLabel(lang, te.From, !ref.SentAt.IsZero()), "to", i18nT(lang, "app.status."+string(te.To)))
	case ae != nil && ae.Field == "follow_up":
		return i18nT(lang, "app.refer.bad_date")
	case ae != nil && ae.Field == "note" && to == referral.StatusDeclined:
		return i18nT(lang, "app.referral.reason_required")
	case ae != nil && ae.Field == "note":
		return i18nT(lang, "app.referral.note_long", "max", strconv.Itoa(referral.MaxEventNote))
	case ae != nil && ae.Field == "status":
		return i18nT(lang, "app.referral.nothing_to_save")
	}
	return i18nT(lang, "app.refer.err.generic")
}

// moveReferral records a status move or a note from the timeline form; a
// refused one comes back as the form, as filled, with why.
func (u *UI) moveReferral(c echo.Context) error {
	if err := readForm(c); err != nil {
		return err
	}
	f := c.Request().PostForm
	view := referralView{status: http.StatusOK, moveTo: f.Get("to"), follow: f.Get("follow_up")}
	view.move = referral.Change{To: referral.Status(view.moveTo), Note: strings.TrimSpace(f.Get("note"))}
	ch := view.move
	if view.follow != "" {
		t, err := time.Parse(time.DateOnly, view.follow)
		if err != nil {
			view.err, view.status = apperr.Field("follow_up", "follow_up must be a date"), http.StatusUnprocessableEntity
			return u.showReferral(c, view)
		}
		ch.FollowUp = t
	}
	_, _, err := u.refs.Move(c.Request().Context(), viewer(c), c.Param("id"), ch)
	if ae := apperr.As(err); ae != nil && (ae.Code == apperr.Invalid || ae.Code == apperr.Conflict) {
		view.err, view.status = err, http.StatusConflict
		return u.showReferral(c, view)
	}
	if err != nil {
		return err
	}
	return c.Redirect(http.StatusSeeOther, withLang("/app/referrals/"+c.Param("id"), u.lang(c)))
}

// withdrawConsent records that the peer withdrew consent, an event of its
// own: the referral is cancelled if open, its links end and the contact
// details go. The form asks the specialist to confirm; without it, or for
// consent already withdrawn, the page comes back saying so.
func (u *UI) withdrawConsent(c echo.Context) error {
	if err := readForm(c); err != nil {
		return err
	}
	f := c.Request().PostForm
	note := strings.TrimSpace(f.Get("note"))
	view := referralView{status: http.StatusOK, withdraw: note}
	if !truthy(f.Get("confirm")) {
		view.wErr, view.status = errNotConfirmed, http.StatusUnprocessableEntity
		return u.showReferral(c, view)
	}
	_, _, err := u.refs.WithdrawConsent(c.Request().Context(), viewer(c), c.Param("id"), note)
	if ae := apperr.As(err); ae != nil && (ae.Code == apperr.Invalid || ae.Code == apperr.Conflict) {
		view.wErr, view.status = err, http.StatusConflict
		return u.showReferral(c, view)
	}
	if err != nil {
		return err
	}
	return c.Redirect(http.StatusSeeOther, withLang("/app/referrals/"+c.Param("id"), u.lang(c)))
}

// errNotConfirmed is a consent withdrawal sent without its confirmation.
var errNotConfirmed = apperr.Field("confirm", "confirm that the peer withdrew consent")

// withdrawError says in lang why a consent withdrawal was refused.
func withdrawError(lang string, err error) string {
	var te *referral.TransitionError
	switch ae := apperr.As(err); {
	case errors.Is(err, errNotConfirmed):
		return i18nT(lang, "app.withdraw.confirm_needed")
	case errors.Is(err, referral.ErrConsentWithdrawn):
		return i18nT(lang, "app.withdraw.already")
	case errors.As(err, &te):
		return i18nT(lang, "app.withdraw.moved")
	case ae != nil && ae.Field == "note":
		return i18nT(lang, "app.referral.note_long", "max", strconv.Itoa(referral.MaxEventNote))
	}
	return i18nT(lang, "app.refer.err.generic")
}

// agencyLink makes a link for the receiving agency and shows it once; the
// links made before it stop working.
func (u *UI) agencyLink(c echo.Context) error {
	token, _, err := u.refs.CreateAgencyLink(c.Request().Context(), viewer(c), c.Param("id"))
	if err != nil {
		return err
	}
	return u.showReferral(c, referralView{link: token, status: http.StatusOK})
}

// revokeLink ends one agency link of the referral: the agency holding it
// gets a page saying the link no longer works.
func (u *UI) revokeLink(c echo.Context) error {
	if err := readForm(c); err != nil {
		return err
	}
	if err := u.refs.RevokeAgencyLink(c.Request().Context(), viewer(c), c.Param("id"), c.Param("link")); err != nil {
		return err
	}
	return c.Redirect(http.StatusSeeOther, withLang("/app/referrals/"+c.Param("id"), u.lang(c)))
}

// linkPageReloaded answers a reload of the page that showed a new agency
// link (its address is the form's): the referral page, which says when
// the link was made. The link itself is shown only once.
func (u *UI) linkPageReloaded(c echo.Context) error {
	if err := readForm(c); err != nil {
		return err
	}
	return c.Redirect(http.StatusSeeOther, withLang("/app/referrals/"+c.Param("id"), u.lang(c)))
}
