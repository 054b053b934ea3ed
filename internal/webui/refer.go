package webui

import (
	"encoding/base64"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"trellis/internal/apperr"
	"trellis/internal/directory"
	"trellis/internal/present"
	"trellis/internal/referral"
)

// referBody is the referral form with its consent step.
type referBody struct {
	Service  serviceBody
	Location string
	Need     string
	Needs    []option
	// PeerRef is a returning peer's pseudonym (or client id); empty for a
	// new peer, who gets one issued. ClientIDs says the deployment also
	// takes its own client ids.
	PeerRef   string
	ClientIDs bool
	Notes     string
	FollowUp  string
	// AgencyEmail is where to email the agency the link; SendsMail says
	// the server sends email at all, and Intake is the listing's intake
	// email, used when AgencyEmail is empty.
	AgencyEmail string
	SendsMail   bool
	Intake      string
	Method      string
	Scope       string
	// Signature is paper or electronic; SignatureImage the signature
	// drawn on the device, as a data: URL, carried while the form is
	// drawn again.
	Signature      string
	SignatureImage string
	// Given is the day consent was given (a date input), Today and
	// Earliest the days it may be.
	Given, Today, Earliest string
	Contact                bool
	Phone                  string
	Email                  string
	Part2                  bool
	Part2Given             bool
	// Error says, in the page's language, why the referral was not
	// recorded, and ErrorField names the field at fault (its form name).
	// Checked marks a form that was sent and refused, so that it is
	// checked again when drawn in another language.
	Error      string
	ErrorField string
	Checked    bool
	Limits     referLimits
}

// referLimits are the model's limits, which the form's boxes repeat.
type referLimits struct {
	MinPeerRef, MaxPeerRef, Notes, Phone, Email int
	// Signature bounds the signature image sent, as a data: URL.
	Signature int
}

var limits = referLimits{MinPeerRef: referral.MinPeerRef, MaxPeerRef: referral.MaxPeerRef, Notes: referral.MaxNotes,
	Phone: referral.MaxPhone, Email: referral.MaxEmail, Signature: len(pngDataURL) + base64.StdEncoding.EncodedLen(referral.MaxSignatureImage)}

// pngDataURL starts a signature image sent by the signature pad.
const pngDataURL = "data:image/png;base64,"

// referPage shows the referral form for a service picked on the match
// page. It also draws the form again, as it was filled, in another
// language: with the same errors when it had been refused, and without
// recording anything.
func (u *UI) referPage(c echo.Context) error {
	p, r, err := u.appPage(c, "app.refer.title")
	if err != nil {
		return err
	}
	b, err := u.referForm(r)
	if err != nil {
		return err
	}
	status := http.StatusOK
	if b.Checked {
		d, err := u.draftOf(r, b)
		if err == nil {
			d.ServiceCategories = r.snap.Catalog.Service(b.Service.ID).Categories
			d.PeerRefPattern = u.refs.PeerRefPattern
			usr := viewer(c)
			_, _, err = referral.New(d, usr.UserID, usr.TeamID, r.now)
		}
		if err != nil {
			b.ErrorField, b.Error = referralError(r.lang, err)
			status = http.StatusUnprocessableEntity
		}
	}
	return u.showRefer(c, p, b, status)
}

// referGet answers a GET of the referral form's address (Enter in the
// address bar, a bookmark, a reload after the page was left): the form
// only comes from a service picked on the match page, which the posted
// form carried, so the specialist is sent back to the match page in the
// page's language. Nothing else of the request is carried into the
// address: a peer's details never belong in a URL.
func (u *UI) referGet(c echo.Context) error {
	lang := i18nMatch(c.QueryParam("lang"), c.Request().Header.Get("Accept-Language"))
	return c.Redirect(http.StatusSeeOther, withLang("/app", lang))
}

// showRefer draws the referral form.
func (u *UI) showRefer(c echo.Context, p *page, b referBody, status int) error {
	p.StateForm, p.Action = "refer-form", "/app/refer"
	p.Body = b
	return u.render(c, status, "refer", p)
}

// referForm reads the referral form (or the match page's Refer button)
// into its page model. It returns a NotFound error for a service the
// directory does not have.
func (u *UI) referForm(r *request) (referBody, error) {
	f := r.c.Request().PostForm
	svc := r.snap.Catalog.Service(f.Get("service"))
	if svc == nil {
		return referBody{}, apperr.New(apperr.NotFound, "no service with that id")
	}
	v := present.Viewer{Catalog: r.snap.Catalog, Lang: r.lang, Now: r.now, Unit: "mi"}
	w := words{lang: r.lang, now: r.now, stale: r.snap.Catalog.Info.StaleAfter}
	today := r.now.In(r.snap.Catalog.Info.TimeZone)
	b := referBody{Service: detailBody(v, w, svc, false), Location: f.Get("location"), Need: f.Get("need"),
		PeerRef: strings.TrimSpace(f.Get("peer_ref")), ClientIDs: u.refs.PeerRefPattern != nil,
		Notes: f.Get("notes"), FollowUp: f.Get("follow_up"),
		AgencyEmail: strings.TrimSpace(f.Get("agency_email")), SendsMail: u.refs.Notify != nil,
		Method: f.Get("consent_method"), Scope: f.Get("consent_scope"),
		Signature: f.Get("consent_signature"), SignatureImage: f.Get("signature_image"),
		Given: f.Get("consent_given"), Today: today.Format(time.DateOnly),
		Earliest: today.Add(-referral.ConsentMaxAge).Format(time.DateOnly),
		Contact:  truthy(f.Get("contact")),
		Phone:    strings.TrimSpace(f.Get("phone")), Email: strings.TrimSpace(f.Get("email")), Part2Given: truthy(f.Get("part2")),
		Checked: truthy(f.Get("checked")), Limits: limits}
	if in := svc.ReferralIntake(); in != nil {
		b.Intake = in.Email
	}
	if !strings.HasPrefix(b.SignatureImage, pngDataURL) || len(b.SignatureImage) > limits.Signature {
		b.SignatureImage = ""
	}
	if b.Need == "" && len(svc.Categories) > 0 {
		b.Need = svc.Categories[0]
	}
	if b.Scope == "" {
		b.Scope = string(referral.ScopeThisReferral)
	}
	if b.Given == "" && !f.Has("consent_given") {
		b.Given = b.Today
	}
	if b.FollowUp == "" && !f.Has("follow_up") {
		b.FollowUp = today.AddDate(0, 0, 7).Format(time.DateOnly)
	}
	for _, cat := range r.snap.Catalog.Taxonomy.All() {
		label := cat.Label.In(r.lang)
		if cat.Parent != nil {
			label = cat.Parent.Label.In(r.lang) + " › " + label
		}
		b.Needs = append(b.Needs, option{Value: cat.ID, Label: label, Selected: cat.ID == b.Need})
	}
	b.Part2 = referral.RequiresPart2(b.Need, svc.Categories)
	for _, c := range svc.Categories {
		if directory.RootOf(c) == referral.SubstanceUseCategory {
			b.Part2 = true
		}
	}
	if b.Part2 {
		// Part 2 takes written consent only: the form offers no other.
		b.Method = string(referral.ConsentWritten)
	}
	return b, nil
}

// draftOf turns the form into a referral draft. It returns an Invalid
// error for field follow_up or consent.given_at when a date does not
// read, and for consent.signature_image when the signature is not a PNG
// image.
func (u *UI) draftOf(r *request, b referBody) (referral.Draft, error) {
	d := referral.Draft{PeerRef: b.PeerRef, Need: b.Need, ServiceKey: b.Service.ID, LocationID: b.Location, Notes: b.Notes,
		AgencyEmail: b.AgencyEmail, Lang: r.lang,
		Consent: referral.Consent{Method: referral.ConsentMethod(b.Method), Scope: referral.ConsentScope(b.Scope),
			Signature: referral.SignatureKind(b.Signature), Contact: b.Contact, Part2Notice: b.Part2Given}}
	if b.FollowUp != "" {
		t, err := time.Parse(time.DateOnly, b.FollowUp)
		if err != nil {
			return d, apperr.Field("follow_up", "follow_up must be a date such as 2026-12-01")
		}
		d.FollowUp = t
	}
	given, err := givenAt(b.Given, r.now, r.snap.Catalog.Info.TimeZone)
	if err != nil {
		return d, err
	}
	d.Consent.GivenAt = given
	if d.Consent.Signature == referral.SignatureElectronic && b.SignatureImage != "" {
		img, err := base64.StdEncoding.DecodeString(strings.TrimPrefix(b.SignatureImage, pngDataURL))
		if err != nil {
			return d, apperr.Field("consent.signature_image", "consent.signature_image must be a PNG image")
		}
		d.Consent.SignatureImage = img
	}
	if b.Contact && (b.Phone != "" || b.Email != "") {
		d.Contact = &referral.Contact{Phone: b.Phone, Email: b.Email}
	}
	return d, nil
}

// givenAt reads the day consent was given, a date in tz, as the moment
// the referral service checks: now for today, otherwise the same time of
// day that many days earlier (or later), and a minute on, so that the day
// exactly 30 days back is still within the limit when the service checks
// it a moment later. Empty means now. It returns an Invalid error for
// field consent.given_at when the date does not read.
func givenAt(day string, now time.Time, tz *time.Location) (time.Time, error) {
	if day == "" {
		return time.Time{}, nil
	}
	d, err := time.ParseInLocation(time.DateOnly, day, tz)
	if err != nil {
		return time.Time{}, apperr.Field("consent.given_at", "consent.given_at must be a date such as 2026-12-01")
	}
	local := now.In(tz)
	today := time.Date(local.Year(), local.Month(), local.Day(), 0, 0, 0, 0, tz)
	days := int(today.Sub(d).Round(24*time.Hour).Hours() / 24)
	if days == 0 {
		return time.Time{}, nil
	}
	return now.UTC().AddDate(0, 0, -days).Add(time.Minute), nil
}

// createReferral records the referral from the consent form and goes to
// it; a refused referral comes back as the form, as filled, with a
// sentence saying what to change.
func (u *UI) createReferral(c echo.Context) error {
	p, r, err := u.appPage(c, "app.refer.title")
	if err != nil {
		return err
	}
	b, err := u.referForm(r)
	if err != nil {
		return err
	}
	d, err := u.draftOf(r, b)
	var ref *referral.Referral
	if err == nil {
		ref, err = u.refs.Create(c.Request().Context(), viewer(c), d)
	}
	if ae := apperr.As(err); ae != nil && ae.Code != apperr.Internal {
		b.Checked = true
		b.ErrorField, b.Error = referralError(r.lang, err)
		return u.showRefer(c, p, b, http.StatusUnprocessableEntity)
	}
	if err != nil {
		return err
	}
	to := "/app/referrals/" + ref.ID + "?recorded=1"
	if b.PeerRef == "" {
		to = "/app/referrals/" + ref.ID + "?issued=1"
	}
	return c.Redirect(http.StatusSeeOther, p.Href(to))
}

// referralError says in lang what to change when a referral is refused
// with err, and returns the form field at fault. The model's messages
// name its fields ("consent.method"); these are sentences for people.
func referralError(lang string, err error) (field, msg string) {
	ae := apperr.As(err)
	if ae == nil {
		return "", i18nT(lang, "app.refer.err.generic")
	}
	n := func(v int) string { return strconv.Itoa(v) }
	problem, _ := ae.Details["problem"].(string)
	switch ae.Field {
	case "peer_ref":
		return "peer_ref", peerRefError(lang, ae)
	case "need":
		return "need", i18nT(lang, "app.refer.err.need")
	case "service_id", "location_id":
		return "", i18nT(lang, "app.refer.err.service")
	case "notes":
		return "notes", i18nT(lang, "app.refer.err.notes", "max", n(referral.MaxNotes))
	case "follow_up":
		return "follow_up", i18nT(lang, "app.refer.bad_date")
	case "agency_email":
		if ae.Code == apperr.Unprocessable {
			return "agency_email", i18nT(lang, "app.refer.err.agency_email_off")
		}
		return "agency_email", i18nT(lang, "app.refer.err.agency_email")
	case "consent.method":
		if ae.Code == apperr.Unprocessable {
			return "consent_method", i18nT(lang, "app.refer.err.part2_written")
		}
		return "consent_method", i18nT(lang, "app.refer.err.consent_method")
	case "consent.signature":
		switch problem {
		case referral.SignaturePart2:
			return "consent_signature", i18nT(lang, "app.refer.err.signature_needed")
		case referral.SignatureNotWritten:
			return "consent_signature", i18nT(lang, "app.refer.err.signature_written")
		}
		return "consent_signature", i18nT(lang, "app.refer.err.generic")
	case "consent.signature_image":
		if ae.Code == apperr.Unprocessable {
			return "consent_signature", i18nT(lang, "app.refer.err.signature_missing")
		}
		return "consent_signature", i18nT(lang, "app.refer.err.signature_bad")
	case "consent.given_at":
		switch problem {
		case referral.GivenInFuture:
			return "consent_given", i18nT(lang, "app.refer.err.given_future")
		case referral.GivenTooLongAgo:
			return "consent_given", i18nT(lang, "app.refer.err.given_old", "days", n(int(referral.ConsentMaxAge.Hours()/24)))
		}
		return "consent_given", i18nT(lang, "app.refer.bad_date")
	case "consent.scope":
		return "consent_scope", i18nT(lang, "app.refer.err.consent_scope")
	case "consent.part2_notice":
		return "part2", i18nT(lang, "app.refer.err.part2")
	case "contact":
		return "phone", i18nT(lang, "app.refer.err.contact")
	case "contact.phone":
		return "phone", i18nT(lang, "app.refer.err.phone", "max", n(referral.MaxPhone))
	case "contact.email":
		return "email", i18nT(lang, "app.refer.err.email")
	}
	return "", i18nT(lang, "app.refer.err.generic")
}

// peerRefError says in lang why a peer reference was refused, from the
// refusal's details (referral.CheckPeerRef), and how to give one.
func peerRefError(lang string, ae *apperr.Error) string {
	how := i18nT(lang, "app.refer.err.peer_how")
	if pattern, _ := ae.Details["pattern"].(bool); pattern {
		how = i18nT(lang, "app.refer.err.peer_how_client")
	}
	switch ae.Details["problem"] {
	case referral.PeerRefMistyped:
		return i18nT(lang, "app.refer.err.peer_mistyped") + " " + how
	case referral.PeerRefPersonal:
		kinds, _ := ae.Details["looks_like"].([]string)
		what := make([]string, len(kinds))
		for i, k := range kinds {
			what[i] = i18nT(lang, "app.refer.looks_like."+k)
		}
		return i18nT(lang, "app.refer.err.peer_personal", "what", joinAnd(lang, what)) + " " + how
	}
	return i18nT(lang, "app.refer.err.peer_free") + " " + how
}

// joinAnd writes items as "a, b and c" in lang.
func joinAnd(lang string, items []string) string {
	switch len(items) {
	case 0:
		return ""
	case 1:
		return items[0]
	}
	return strings.Join(items[:len(items)-1], ", ") + " " + i18nT(lang, "app.and") + " " + items[len(items)-1]
}

// Err returns why the form was refused when field (a form name) is at
// fault, else "": the sentence drawn beside that field.
func (b referBody) Err(field string) string {
	if b.ErrorField == field {
		return b.Error
	}
	return ""
}

// FieldID returns the id of the element that holds form field name, for
// the error summary's link to it.
func (b referBody) FieldID(name string) string {
	switch name {
	case "email":
		return "cemail"
	case "consent_method":
		if b.Part2 {
			return "part2-rule"
		}
	}
	return name
}
