package notify

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"net"
	"net/mail"
	"net/url"
	"strconv"
	"strings"
	"time"

	gomail "github.com/wneessen/go-mail"

	"trellis/internal/referral"
)

// SMTPConfig is where and how to send mail: from a URL
// smtp://user:password@host:port (ParseSMTPURL).
type SMTPConfig struct {
	Host string
	Port int
	// Username and Password, when set, sign in with the best mechanism
	// the server offers; the password is only ever sent over TLS or to a
	// server on loopback.
	Username, Password string
	// ImplicitTLS is true for smtps:// (TLS from the first byte, port 465
	// by default); smtp:// upgrades with STARTTLS whenever the server
	// offers it.
	ImplicitTLS bool
	// From is the sender, e.g. "Trellis <trellis@example.org>".
	From string
	// Timeout bounds connecting and each exchange; 0 means 30 seconds.
	Timeout time.Duration
	// TLS, when set, is the TLS configuration (tests trust their own
	// certificate through it); nil verifies the server against the
	// system's roots.
	TLS *tls.Config
}

// ParseSMTPURL reads raw, smtp://[user[:password]@]host[:port] (port 587
// by default, STARTTLS when the server offers it) or smtps://... (port
// 465, TLS from the start), and from, the sender's address. It returns
// an error that never repeats the password when either is malformed.
func ParseSMTPURL(raw, from string) (*SMTPConfig, error) {
	u, err := url.Parse(raw)
	if err != nil {
		return nil, errors.New("the SMTP URL cannot be parsed: write smtp://user:password@host:port")
	}
	c := &SMTPConfig{Host: u.Hostname()}
	switch u.Scheme {
	case "smtp":
		c.Port = 587
	case "smtps":
		c.Port, c.ImplicitTLS = 465, true
	default:
		return nil, fmt.Errorf("the SMTP URL must start with smtp:// (STARTTLS when offered) or smtps://, not %q", u.Scheme+"://")
	}
	if c.Host == "" {
		return nil, errors.New("the SMTP URL names no host: write smtp://user:password@host:port")
	}
	if p := u.Port(); p != "" {
		n, err := strconv.Atoi(p)
		if err != nil || n < 1 || n > 65535 {
			return nil, fmt.Errorf("the SMTP URL's port %q is not a port number", p)
		}
		c.Port = n
	}
	if (u.Path != "" && u.Path != "/") || u.RawQuery != "" || u.Fragment != "" {
		return nil, errors.New("the SMTP URL takes no path or query: write smtp://user:password@host:port")
	}
	if u.User != nil {
		c.Username = u.User.Username()
		c.Password, _ = u.User.Password()
	}
	a, err := mail.ParseAddress(from)
	if err != nil || !strings.Contains(a.Address, "@") {
		return nil, fmt.Errorf("the sender %q is not an email address: write e.g. \"Trellis <trellis@example.org>\"", from)
	}
	c.From = a.String()
	return c, nil
}

// Address returns host:port, for logs (it holds no credentials).
func (c *SMTPConfig) Address() string { return net.JoinHostPort(c.Host, strconv.Itoa(c.Port)) }

// SMTP sends mail through an SMTP server with go-mail: one connection per
// email, STARTTLS whenever the server offers it (or implicit TLS), and
// the password only over TLS or to loopback.
type SMTP struct {
	cfg SMTPConfig
}

// NewSMTP returns a sender for cfg.
func NewSMTP(cfg SMTPConfig) *SMTP {
	if cfg.Timeout <= 0 {
		cfg.Timeout = 30 * time.Second
	}
	return &SMTP{cfg: cfg}
}

// Send implements Sender. The email's Message-ID is made from its outbox
// id, so that a copy sent twice after a crash is recognizable. A 5xx
// reply is a *PermanentError.
func (s *SMTP) Send(ctx context.Context, m *referral.Mail) error {
	c := s.cfg
	opts := []gomail.Option{gomail.WithPort(c.Port), gomail.WithTimeout(c.Timeout), gomail.WithTLSPolicy(gomail.TLSOpportunistic),
		gomail.WithHELO("trellis")}
	if c.ImplicitTLS {
		opts = append(opts, gomail.WithSSL())
	}
	if c.TLS != nil {
		opts = append(opts, gomail.WithTLSConfig(c.TLS))
	}
	if c.Username != "" {
		opts = append(opts, gomail.WithSMTPAuth(gomail.SMTPAuthAutoDiscover), gomail.WithUsername(c.Username), gomail.WithPassword(c.Password))
	}
	client, err := gomail.NewClient(c.Host, opts...)
	if err != nil {
		return &PermanentError{fmt.Errorf("smtp %s: %w", c.Address(), err)}
	}
	msg := gomail.NewMsg()
	if err := msg.From(c.From); err != nil {
		return &PermanentError{fmt.Errorf("smtp: sender: %w", err)}
	}
	if err := msg.To(m.To); err != nil {
		return &PermanentError{fmt.Errorf("smtp: mail %s: the recipient is not an address", m.ID)}
	}
	if m.ReplyTo != "" {
		if err := msg.ReplyTo(m.ReplyTo); err != nil {
			return &PermanentError{fmt.Errorf("smtp: mail %s: the reply-to is not an address", m.ID)}
		}
	}
	msg.Subject(m.Subject)
	msg.SetMessageIDWithValue(MessageID(m.ID, c.From))
	msg.SetDate()
	msg.SetBodyString(gomail.TypeTextPlain, m.Text)
	if err := client.DialAndSendWithContext(ctx, msg); err != nil {
		var se *gomail.SendError
		if errors.As(err, &se) && !se.IsTemp() && se.ErrorCode() >= 500 {
			return &PermanentError{fmt.Errorf("smtp %s: %w", c.Address(), err)}
		}
		return fmt.Errorf("smtp %s: %w", c.Address(), err)
	}
	return nil
}

// MessageID returns the Message-ID value (without angle brackets) of the
// email with outbox id id, sent from the address from: the id at the
// sender's domain.
func MessageID(id, from string) string {
	domain := "trellis.invalid"
	if a, err := mail.ParseAddress(from); err == nil {
		if at := strings.LastIndexByte(a.Address, '@'); at >= 0 {
			domain = a.Address[at+1:]
		}
	}
	return strings.ToLower(id) + "@" + domain
}
