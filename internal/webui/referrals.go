package webui

import (
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"

	"github.com/labstack/echo/v4"

	"trellis/internal/apperr"
	"trellis/internal/present"
	"trellis/internal/referral"
)

// referralRow is a referral in a list.
type referralRow struct {
	ID, PeerRef, Service, Org, Need, Status, FollowUp, Updated string
	// Overdue marks an open referral whose follow-up date has passed,
	// DueSoon one due today or within the week; Unread one of the
	// viewer's own with an agency answer they have not opened.
	Overdue, DueSoon, Unread bool
}

// referralsBody is My referrals: a list filtered, searched and sorted.
type referralsBody struct {
	Rows  []referralRow
	Total int
	// Show is the view: "" (all), "week" (due this week) or "unread".
	Show string
	// The filters as chosen, and their choices.
	Q, Status, Need, Agency, Sort string
	Statuses, Needs, Agencies     []option
	// Filtered says a filter or search narrows the list.
	Filtered bool
	// QError says why the search box's text cannot be a referral code.
	QError string
	// Week, Overdue and Unread count the referrals due this week, overdue
	// and with an unread answer.
	Week, Overdue, Unread int
	// Page is the page shown of Pages; PrevURL and NextURL go to the
	// pages beside it.
	Page, Pages      int
	PrevURL, NextURL string
	// SendsMail says the server sends email; AnswerMail that the
	// specialist gets one on each agency answer, at Email.
	SendsMail  bool
	AnswerMail bool
	Email      string
	// MailSaved says the choice was just saved.
	MailSaved bool
}

// listPage is how many referrals a page of My referrals shows.
const listPage = 25

// dueWindow is the "due this week" view: today and the six days after.
const dueWindow = 6

// referralsPage lists the specialist's referrals (and their team's):
// all of them, those due this week or those with an unread agency
// answer, filtered by status, need and receiving agency, searched by
// referral code, newest first or by follow-up date, a page at a time.
// Its address holds its state, so the language switch resubmits the
// filter form.
func (u *UI) referralsPage(c echo.Context) error {
	p, r, err := u.appPage(c, "app.referrals.title")
	if err != nil {
		return err
	}
	v := viewer(c)
	ctx := c.Request().Context()
	q := c.Request().Form
	today := referral.DateOf(r.now.In(r.tz()))
	b := referralsBody{Show: q.Get("show"), Q: strings.TrimSpace(q.Get("q")), Status: q.Get("status"), Need: q.Get("need"),
		Agency: q.Get("agency"), Sort: q.Get("sort"), SendsMail: u.refs.Notify != nil, Email: v.Email, MailSaved: q.Get("saved") == "1"}
	status := http.StatusOK
	var f referral.Filter
	// none is set when the filters chosen cannot all hold (due this week
	// and closed): the list is empty without asking the store.
	none := false
	narrow := func(want []referral.Status) {
		var ok bool
		f.Status, ok = intersect(f.Status, want)
		none = none || !ok
	}
	switch b.Show {
	case "week":
		f.Status, f.DueBefore, f.Order = referral.OpenStatuses, today.AddDate(0, 0, dueWindow), referral.OrderFollowUp
	case "unread":
		f.Unread = true
	default:
		b.Show = ""
	}
	switch b.Status {
	case "":
	case "open":
		narrow(referral.OpenStatuses)
	case "closed":
		narrow(closedStatuses())
	default:
		st, err := referral.ParseStatus(b.Status)
		if err != nil {
			b.Status = ""
			break
		}
		narrow([]referral.Status{st})
	}
	if b.Need != "" && r.snap.Catalog.Taxonomy.Category(b.Need) == nil {
		b.Need = ""
	}
	f.Need = b.Need
	if b.Agency != "" && r.snap.Catalog.Organization(b.Agency) == nil {
		b.Agency = ""
	}
	f.Organization = b.Agency
	if b.Sort == "follow_up" {
		f.Order = referral.OrderFollowUp
	} else if b.Show != "week" {
		b.Sort = ""
	}
	if b.Q != "" {
		ref, err := referral.CheckPeerRef(b.Q, u.refs.PeerRefPattern)
		if err != nil {
			b.QError, status = searchError(r.lang, err), http.StatusUnprocessableEntity
		}
		f.PeerRef = ref
	}
	b.Filtered = b.Q != "" || b.Status != "" || b.Need != "" || b.Agency != ""
	page, _ := strconv.Atoi(q.Get("page"))
	b.Page = max(page, 1)
	f.Limit, f.Offset = listPage, (b.Page-1)*listPage
	if b.QError == "" && !none {
		rows, total, err := u.refs.List(ctx, v, f)
		if err != nil {
			return err
		}
		b.Total = total
		for _, x := range rows {
			b.Rows = append(b.Rows, u.row(r, x))
		}
	}
	b.Pages = max((b.Total+listPage-1)/listPage, 1)
	if b.Page > 1 {
		b.PrevURL = b.url(p.Lang, b.Page-1)
	}
	if b.Page < b.Pages {
		b.NextURL = b.url(p.Lang, b.Page+1)
	}
	if b.Week, err = u.refs.Count(ctx, v, referral.Filter{Status: referral.OpenStatuses, DueBefore: today.AddDate(0, 0, dueWindow)}); err != nil {
		return err
	}
	if b.Overdue, err = u.refs.Count(ctx, v, referral.Filter{Status: referral.OpenStatuses, DueBefore: today.AddDate(0, 0, -1)}); err != nil {
		return err
	}
	b.Unread = p.Unread
	if b.SendsMail {
		m, err := u.refs.AnswerMail(ctx, v)
		if err != nil {
			return err
		}
		b.AnswerMail = m.On
	}
	if err := u.listChoices(r, v, &b); err != nil {
		return err
	}
	p.StateForm, p.StateMethod = "filter-form", "get"
	p.Body = b
	return u.render(c, status, "referrals", p)
}

// listChoices fills the filters' choices: statuses, the needs, and the
// agencies the viewer's referrals went to.
func (u *UI) listChoices(r *request, v referral.Viewer, b *referralsBody) error {
	b.Statuses = []option{{Value: "", Label: i18nT(r.lang, "app.filter.any_status")},
		{Value: "open", Label: i18nT(r.lang, "app.filter.open")}, {Value: "closed", Label: i18nT(r.lang, "app.filter.closed")}}
	for _, st := range referral.Statuses {
		b.Statuses = append(b.Statuses, option{Value: string(st), Label: i18nT(r.lang, "app.filter.status."+string(st))})
	}
	for i := range b.Statuses {
		b.Statuses[i].Selected = b.Statuses[i].Value == b.Status
	}
	b.Needs = []option{{Value: "", Label: i18nT(r.lang, "app.filter.any_need")}}
	for _, cat := range r.snap.Catalog.Taxonomy.All() {
		if cat.Parent == nil {
			b.Needs = append(b.Needs, option{Value: cat.ID, Label: cat.Label.In(r.lang), Selected: cat.ID == b.Need})
		}
	}
	keys, err := u.refs.Services(r.c.Request().Context(), v)
	if err != nil {
		return err
	}
	seen := map[string]bool{}
	var agencies []option
	for _, k := range keys {
		org, _, _ := strings.Cut(k, ".")
		if seen[org] {
			continue
		}
		seen[org] = true
		label := org
		if o := r.snap.Catalog.Organization(org); o != nil {
			label = o.Name
		}
		agencies = append(agencies, option{Value: org, Label: label, Selected: org == b.Agency})
	}
	slices.SortFunc(agencies, func(a, b option) int { return strings.Compare(strings.ToLower(a.Label), strings.ToLower(b.Label)) })
	b.Agencies = append([]option{{Value: "", Label: i18nT(r.lang, "app.filter.any_agency")}}, agencies...)
	return nil
}

// url returns the address of page n of the list as filtered, in lang.
func (b referralsBody) url(lang string, n int) string {
	v := url.Values{}
	for k, x := range map[string]string{"show": b.Show, "q": b.Q, "status": b.Status, "need": b.Need, "agency": b.Agency, "sort": b.Sort} {
		if x != "" {
			v.Set(k, x)
		}
	}
	if n > 1 {
		v.Set("page", strconv.Itoa(n))
	}
	v.Set("lang", lang)
	return "/app/referrals?" + v.Encode()
}

// ShowURL returns the address of view show ("", "week", "unread") of the
// list, unfiltered, in lang.
func (b referralsBody) ShowURL(lang, show string) string {
	return referralsBody{Show: show}.url(lang, 1)
}

// closedStatuses lists the terminal statuses.
func closedStatuses() []referral.Status {
	var out []referral.Status
	for _, st := range referral.Statuses {
		if st.Terminal() {
			out = append(out, st)
		}
	}
	return out
}

// intersect returns the statuses of want that are in have, or want when
// have is empty (no status filter yet), and false when none is in both.
func intersect(have, want []referral.Status) ([]referral.Status, bool) {
	if len(have) == 0 {
		return want, true
	}
	var out []referral.Status
	for _, st := range want {
		if slices.Contains(have, st) {
			out = append(out, st)
		}
	}
	return out, len(out) > 0
}

// searchError says in lang why the search box's text cannot be a
// referral code.
func searchError(lang string, err error) string {
	ae := apperr.As(err)
	if ae != nil && ae.Details["problem"] == referral.PeerRefMistyped {
		return i18nT(lang, "app.referrals.search_mistyped")
	}
	if ae != nil && ae.Details["pattern"] == true {
		return i18nT(lang, "app.referrals.search_bad_client")
	}
	return i18nT(lang, "app.referrals.search_bad")
}

// setAnswerMail turns the specialist's email on agency answers on or off
// and goes back to My referrals.
func (u *UI) setAnswerMail(c echo.Context) error {
	if err := readForm(c); err != nil {
		return err
	}
	lang := u.lang(c)
	if err := u.refs.SetAnswerMail(c.Request().Context(), viewer(c), truthy(c.Request().PostForm.Get("answer_mail")), lang); err != nil {
		return err
	}
	return c.Redirect(http.StatusSeeOther, withLang("/app/referrals?saved=1", lang)+"#answer-mail")
}

// statusLabel names where a referral stands in lang: "Recorded" until it
// is sent to the agency, "Sent to the agency" from then on, else its
// status.
func statusLabel(lang string, st referral.Status, sent bool) string {
	if st == referral.StatusSent && !sent {
		return i18nT(lang, "app.status.recorded")
	}
	return i18nT(lang, "app.status."+string(st))
}

func (u *UI) row(r *request, x *referral.Referral) referralRow {
	today := r.now.In(r.tz())
	row := referralRow{ID: x.ID, PeerRef: x.PeerRef, Service: x.ServiceKey, Need: x.Need,
		Status: statusLabel(r.lang, x.Status, !x.SentAt.IsZero()), Updated: present.Date(x.UpdatedAt, r.lang),
		Overdue: x.Overdue(today), Unread: x.Unread() && x.SpecialistID == viewer(r.c).UserID}
	row.DueSoon = x.Open() && !row.Overdue && !x.FollowUp.IsZero() && !x.FollowUp.After(referral.DateOf(today).AddDate(0, 0, dueWindow))
	if s := r.snap.Catalog.Service(x.ServiceKey); s != nil {
		row.Service, row.Org = s.Name, s.Org.Name
	}
	if cat := r.snap.Catalog.Taxonomy.Category(x.Need); cat != nil {
		row.Need = cat.Label.In(r.lang)
	}
	if !x.FollowUp.IsZero() {
		row.FollowUp = present.Date(x.FollowUp, r.lang)
	}
	return row
}

// lang is the workspace request's language, as appPage reads it.
func (u *UI) lang(c echo.Context) string {
	return i18nMatch(pick(c.Request().Form, "lang", "setlang"), c.Request().Header.Get("Accept-Language"))
}
