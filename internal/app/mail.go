package app

import (
	"flag"
	"fmt"
	"net/url"

	"trellis/internal/notify"
	"trellis/internal/referral"
)

// MailConfig is where `trellis serve` sends email to receiving agencies:
// an SMTP server, the sender, and the referring organization the emails
// name. Without an SMTP URL no email is sent.
type MailConfig struct {
	// SMTP is smtp://user:password@host:port (STARTTLS when the server
	// offers it) or smtps://...; empty sends no email.
	SMTP string
	// From is the sender; empty means "Trellis <trellis@HOST>" with the
	// host of the base URL.
	From string
	// Organization is the referring organization named in the emails.
	Organization string
	// Lang is the emails' language when a request names none: en or es.
	Lang string

	smtp *notify.SMTPConfig
}

// flags adds the mail flags to fs.
func (c *MailConfig) flags(fs *flag.FlagSet) {
	if c.Lang == "" {
		c.Lang = "en"
	}
	fs.StringVar(&c.SMTP, "smtp", c.SMTP, "SMTP server that emails receiving agencies their referral links: smtp://user:password@host:port (STARTTLS when offered) or smtps://...; needs --base-url and --organization")
	fs.StringVar(&c.From, "smtp-from", c.From, "sender of those emails (default Trellis <trellis@HOST> with the host of --base-url)")
	fs.StringVar(&c.Organization, "organization", c.Organization, "the referring organization, named to agencies in emails and on their referral page, and on the peer's slip, e.g. \"Peer Support Network of DC\"")
	fs.StringVar(&c.Lang, "mail-lang", c.Lang, "language of emails to agencies when the request names none: en or es")
}

// check validates the mail flags against the base URL. It returns a usage
// error naming the flag; an SMTP URL's password never appears in it.
func (c *MailConfig) check(baseURL string) error {
	if c.Lang != "en" && c.Lang != "es" {
		return usageError{fmt.Sprintf("--mail-lang %q: want en or es", c.Lang)}
	}
	if c.SMTP == "" {
		return nil
	}
	if baseURL == "" {
		return usageError{"--smtp needs --base-url: the links in the emails must point at this server's public address"}
	}
	if c.Organization == "" {
		return usageError{"--smtp needs --organization: the referring organization the emails name"}
	}
	from := c.From
	if from == "" {
		u, _ := url.Parse(baseURL)
		from = "Trellis <trellis@" + u.Hostname() + ">"
	}
	cfg, err := notify.ParseSMTPURL(c.SMTP, from)
	if err != nil {
		return usageError{"--smtp: " + err.Error()}
	}
	c.smtp = cfg
	return nil
}

// openMail prepares email to agencies when an SMTP server is configured:
// the referral service's Notify and the delivery worker Run starts. It
// returns nil and no worker otherwise, and an error when the templates do
// not parse.
func (m *Main) openMail(db Store) (*referral.Notify, error) {
	c := m.Config.Mail
	if c.smtp == nil {
		return nil, nil
	}
	tpl, err := notify.NewTemplates()
	if err != nil {
		return nil, err
	}
	m.mailer = &notify.Worker{Outbox: db, Sender: notify.NewSMTP(*c.smtp), Logger: m.log}
	base := m.Config.BaseURL
	m.log.Info("emailing agencies", "smtp", c.smtp.Address(), "from", c.smtp.From)
	return &referral.Notify{Mailer: tpl, Organization: c.Organization, Lang: c.Lang, Queued: m.mailer.Kick,
		LinkURL:     func(token string) string { return base + "/agency/" + token },
		ReferralURL: func(id string) string { return base + "/app/referrals/" + id }}, nil
}
