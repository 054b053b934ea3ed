package webui

import (
	"net/http"

	"github.com/labstack/echo/v4"

	"trellis/internal/present"
)

// slipBody is the slip the peer takes away: where to go, the phone, the
// hours, what to bring, the referral code and the specialist's work
// contact. Nothing else: no need, no notes, no status, no consent, so
// that a slip found by someone else says as little as it can.
type slipBody struct {
	ID      string
	Code    string
	Service string
	Org     string
	Places  []place
	Phones  []phone
	Hours   []string
	Bring   []string
	// Referrer is the referring organization and Contact the
	// specialist's work email.
	Referrer, Contact string
	// Closed names the status of a referral that is no longer open,
	// which gets no slip.
	Closed string
}

// slipPage shows the printable slip for the peer of a referral, in the
// page's language (the language switch prints it in the peer's).
func (u *UI) slipPage(c echo.Context) error {
	p, r, err := u.appPage(c, "app.slip.page_title")
	if err != nil {
		return err
	}
	ctx := c.Request().Context()
	ref, _, err := u.refs.Get(ctx, viewer(c), c.Param("id"))
	if err != nil {
		return err
	}
	b := slipBody{ID: ref.ID, Code: ref.PeerRef, Service: ref.ServiceKey}
	p.Action = "/app/referrals/" + ref.ID + "/slip"
	p.Body = &b
	if !ref.Open() {
		b.Closed = statusLabel(r.lang, ref.Status, !ref.SentAt.IsZero())
		return u.render(c, http.StatusOK, "slip", p)
	}
	by, err := u.refs.ReferredBy(ctx, ref)
	if err != nil {
		return err
	}
	b.Referrer, b.Contact = by.Organization, by.Email
	if b.Contact == "" {
		// Without a lookup (or for an account that ended), the slip gives
		// the specialist printing it.
		b.Contact = viewer(c).Email
	}
	if svc := r.snap.Catalog.Service(ref.ServiceKey); svc != nil {
		v := present.Viewer{Catalog: r.snap.Catalog, Lang: r.lang, Now: r.now, Unit: "mi"}
		w := words{lang: r.lang, now: r.now, stale: r.snap.Catalog.Info.StaleAfter}
		d := detailBody(v, w, svc, false)
		b.Service, b.Org, b.Phones, b.Hours = svc.Name, svc.Org.Name, d.Phones, d.Hours
		for i, pl := range d.Places {
			if ref.LocationID == "" || svc.Locations[i].ID == ref.LocationID {
				b.Places = append(b.Places, pl)
			}
		}
		if e := v.Detail(svc).Eligibility; e != nil {
			b.Bring = e.Documents
		}
	}
	return u.render(c, http.StatusOK, "slip", p)
}

// Open reports whether the slip's referral gets a slip.
func (b *slipBody) Open() bool { return b.Closed == "" }
