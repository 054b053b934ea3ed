// Package smtptest runs a real SMTP server on loopback for tests
// (github.com/emersion/go-smtp): it records what it receives, can refuse
// mail for a while (451), offer STARTTLS with a certificate of its own,
// require a password, and stop and start again on the same port.
package smtptest

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/base64"
	"errors"
	"io"
	"log"
	"math/big"
	"mime/quotedprintable"
	"net"
	"net/mail"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/emersion/go-sasl"
	"github.com/emersion/go-smtp"
)

// Options configure a Server.
type Options struct {
	// Addr is where to listen; empty picks a free loopback port.
	Addr string
	// TLS offers STARTTLS with a self-signed certificate for 127.0.0.1
	// (ClientTLS trusts it).
	TLS bool
	// Username and Password, when set, are required (AUTH PLAIN).
	Username, Password string
	// RejectCode, when not 0, is the reply to every RCPT TO, e.g. 550.
	RejectCode int
}

// Message is one email the server accepted.
type Message struct {
	From string
	To   []string
	Data []byte
	// TLS is whether the connection was encrypted; User who signed in.
	TLS  bool
	User string
}

// Header returns the parsed message's header field key.
func (m Message) Header(key string) string {
	msg, err := mail.ReadMessage(bytes.NewReader(m.Data))
	if err != nil {
		return ""
	}
	return msg.Header.Get(key)
}

// Text returns the message's body decoded from its transfer encoding
// (quoted-printable or base64), or the raw body for any other.
func (m Message) Text() string {
	msg, err := mail.ReadMessage(bytes.NewReader(m.Data))
	if err != nil {
		return ""
	}
	var r io.Reader = msg.Body
	switch strings.ToLower(msg.Header.Get("Content-Transfer-Encoding")) {
	case "quoted-printable":
		r = quotedprintable.NewReader(msg.Body)
	case "base64":
		r = base64.NewDecoder(base64.StdEncoding, msg.Body)
	}
	b, err := io.ReadAll(r)
	if err != nil {
		return ""
	}
	return strings.ReplaceAll(string(b), "\r\n", "\n")
}

// Server is a loopback SMTP server.
type Server struct {
	Addr string
	opt  Options
	srv  *smtp.Server
	ln   net.Listener
	cert *x509.Certificate
	tls  *tls.Config

	mu       sync.Mutex
	msgs     []Message
	refuse   atomic.Bool
	refusals atomic.Int64
	tb       testing.TB
}

// Start starts a server; it stops when the test ends.
func Start(tb testing.TB, opt Options) *Server {
	tb.Helper()
	s := &Server{opt: opt, tb: tb}
	if opt.TLS {
		s.tls, s.cert = selfSigned(tb)
	}
	s.listen()
	tb.Cleanup(s.Stop)
	return s
}

func (s *Server) listen() {
	s.tb.Helper()
	addr := s.opt.Addr
	if addr == "" {
		addr = "127.0.0.1:0"
	}
	var ln net.Listener
	var err error
	// The port was just given up by this server: another may hold it for
	// a moment.
	for i := 0; i < 50; i++ {
		if ln, err = net.Listen("tcp", addr); err == nil {
			break
		}
		time.Sleep(20 * time.Millisecond)
	}
	if err != nil {
		s.tb.Fatalf("smtptest: listen on %s: %v", addr, err)
	}
	s.Addr, s.opt.Addr = ln.Addr().String(), ln.Addr().String()
	srv := smtp.NewServer(backend{s})
	srv.Domain = "localhost"
	srv.TLSConfig = s.tls
	srv.AllowInsecureAuth = !s.opt.TLS
	srv.ReadTimeout, srv.WriteTimeout = 10*time.Second, 10*time.Second
	srv.ErrorLog = log.New(io.Discard, "", 0)
	s.srv, s.ln = srv, ln
	go func() { _ = srv.Serve(ln) }()
}

// Stop closes the server: connections are refused until Restart.
func (s *Server) Stop() {
	if s.srv != nil {
		// Closing the listener ourselves stops a server whose Serve has
		// not started yet, which Close alone would miss.
		_ = s.ln.Close()
		_ = s.srv.Close()
		s.srv, s.ln = nil, nil
	}
}

// Restart listens again on the same address.
func (s *Server) Restart() {
	s.tb.Helper()
	s.Stop()
	s.listen()
}

// Refuse makes the server answer 451 (try again later) to every MAIL
// FROM while on.
func (s *Server) Refuse(on bool) { s.refuse.Store(on) }

// Refusals returns how many attempts the server refused so far.
func (s *Server) Refusals() int { return int(s.refusals.Load()) }

// Messages returns what the server accepted, in order.
func (s *Server) Messages() []Message {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Message(nil), s.msgs...)
}

// ClientTLS returns a TLS configuration that trusts the server's
// certificate, for the sending side.
func (s *Server) ClientTLS() *tls.Config {
	pool := x509.NewCertPool()
	if s.cert != nil {
		pool.AddCert(s.cert)
	}
	return &tls.Config{RootCAs: pool, ServerName: "127.0.0.1", MinVersion: tls.VersionTLS12}
}

type backend struct{ s *Server }

func (b backend) NewSession(c *smtp.Conn) (smtp.Session, error) {
	return &session{s: b.s, conn: c}, nil
}

type session struct {
	s    *Server
	conn *smtp.Conn
	user string
	from string
	to   []string
}

var errRefused = &smtp.SMTPError{Code: 451, EnhancedCode: smtp.EnhancedCode{4, 3, 2}, Message: "try again later"}

func (x *session) AuthMechanisms() []string {
	if x.s.opt.Username == "" {
		return nil
	}
	return []string{sasl.Plain}
}

func (x *session) Auth(mech string) (sasl.Server, error) {
	return sasl.NewPlainServer(func(identity, username, password string) error {
		if username != x.s.opt.Username || password != x.s.opt.Password {
			return errors.New("invalid credentials")
		}
		x.user = username
		return nil
	}), nil
}

func (x *session) Mail(from string, _ *smtp.MailOptions) error {
	if x.s.refuse.Load() {
		x.s.refusals.Add(1)
		return errRefused
	}
	if x.s.opt.Username != "" && x.user == "" {
		return smtp.ErrAuthRequired
	}
	x.from = from
	return nil
}

func (x *session) Rcpt(to string, _ *smtp.RcptOptions) error {
	if c := x.s.opt.RejectCode; c != 0 {
		return &smtp.SMTPError{Code: c, EnhancedCode: smtp.EnhancedCode{5, 1, 1}, Message: "no such mailbox"}
	}
	x.to = append(x.to, to)
	return nil
}

func (x *session) Data(r io.Reader) error {
	b, err := io.ReadAll(r)
	if err != nil {
		return err
	}
	_, isTLS := x.conn.TLSConnectionState()
	x.s.mu.Lock()
	x.s.msgs = append(x.s.msgs, Message{From: x.from, To: x.to, Data: b, TLS: isTLS, User: x.user})
	x.s.mu.Unlock()
	return nil
}

func (x *session) Reset()        { x.from, x.to = "", nil }
func (x *session) Logout() error { return nil }

// selfSigned makes a certificate for 127.0.0.1 and localhost, valid from
// an hour ago for a day.
func selfSigned(tb testing.TB) (*tls.Config, *x509.Certificate) {
	tb.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		tb.Fatal(err)
	}
	tpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "smtptest"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(24 * time.Hour),
		KeyUsage: x509.KeyUsageDigitalSignature, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		IPAddresses: []net.IP{net.ParseIP("127.0.0.1")}, DNSNames: []string{"localhost"}}
	der, err := x509.CreateCertificate(rand.Reader, tpl, tpl, &key.PublicKey, key)
	if err != nil {
		tb.Fatal(err)
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		tb.Fatal(err)
	}
	return &tls.Config{Certificates: []tls.Certificate{{Certificate: [][]byte{der}, PrivateKey: key}}, MinVersion: tls.VersionTLS12}, cert
}
