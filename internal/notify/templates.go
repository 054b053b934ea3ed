package notify

import (
	"embed"
	"fmt"
	"strings"
	"text/template"
	"time"

	"trellis/internal/referral"
)

//go:embed templates/*.txt
var templateFS embed.FS

// Languages are the languages the templates exist in.
var Languages = []string{"en", "es"}

// Templates composes the emails referral.Service queues, from the
// embedded plain-text templates templates/<kind>.<lang>.txt (each defines
// "subject" and "body"). It implements referral.Mailer.
type Templates struct {
	// byKind holds each kind's templates by language.
	byKind map[referral.MailKind]map[string]*template.Template
}

// NewTemplates parses the embedded templates. It returns an error naming
// the template that does not parse, a build mistake the tests catch.
func NewTemplates() (*Templates, error) {
	t := &Templates{byKind: map[referral.MailKind]map[string]*template.Template{}}
	for _, kind := range []referral.MailKind{referral.MailAgencyReferral, referral.MailAgencyAnswer} {
		t.byKind[kind] = map[string]*template.Template{}
		for _, lang := range Languages {
			name := "templates/" + string(kind) + "." + lang + ".txt"
			tpl, err := template.ParseFS(templateFS, name)
			if err != nil {
				return nil, fmt.Errorf("notify: parse %s: %w", name, err)
			}
			t.byKind[kind][lang] = tpl
		}
	}
	return t, nil
}

// compose executes kind's templates in lang ("en" for a language they
// lack) with data, and returns the subject, on one line, and the body.
func (t *Templates) compose(kind referral.MailKind, lang string, data any) (string, string, error) {
	tpl, ok := t.byKind[kind][lang]
	if !ok {
		tpl = t.byKind[kind]["en"]
	}
	var subject, body strings.Builder
	if err := tpl.ExecuteTemplate(&subject, "subject", data); err != nil {
		return "", "", fmt.Errorf("notify: %s subject: %w", kind, err)
	}
	if err := tpl.ExecuteTemplate(&body, "body", data); err != nil {
		return "", "", fmt.Errorf("notify: %s body: %w", kind, err)
	}
	return strings.Join(strings.Fields(subject.String()), " "), body.String(), nil
}

// agencyData is what the agency referral templates see: the notice and
// its expiry written out in the email's language.
type agencyData struct {
	referral.AgencyNotice
	Expires string
}

var months = map[string][]string{
	"en": {"January", "February", "March", "April", "May", "June", "July", "August", "September", "October", "November", "December"},
	"es": {"enero", "febrero", "marzo", "abril", "mayo", "junio", "julio", "agosto", "septiembre", "octubre", "noviembre", "diciembre"},
}

// longDate writes the calendar day of t: "March 14, 2026" or "14 de marzo
// de 2026".
func longDate(t time.Time, lang string) string {
	m := months[lang][t.Month()-1]
	if lang == "es" {
		return fmt.Sprintf("%d de %s de %d", t.Day(), m, t.Year())
	}
	return fmt.Sprintf("%s %d, %d", m, t.Day(), t.Year())
}

// AgencyReferral implements referral.Mailer: the email telling the
// receiving agency about a referral, in n.Lang ("en" for any language the
// templates lack). The expiry is written as the day it falls on in UTC.
func (t *Templates) AgencyReferral(n referral.AgencyNotice) (string, string, error) {
	if _, ok := t.byKind[referral.MailAgencyReferral][n.Lang]; !ok {
		n.Lang = "en"
	}
	d := agencyData{AgencyNotice: n, Expires: longDate(n.LinkExpiresAt.UTC(), n.Lang)}
	return t.compose(referral.MailAgencyReferral, n.Lang, d)
}

// answerData is what the agency answer templates see: the notice and the
// answer in the email's language.
type answerData struct {
	referral.AnswerNotice
	Answer string
}

// answers name the agency's answers in each language.
var answers = map[string]map[referral.Status]string{
	"en": {referral.StatusAccepted: "accepted", referral.StatusDeclined: "declined", referral.StatusCompleted: "completed"},
	"es": {referral.StatusAccepted: "aceptada", referral.StatusDeclined: "rechazada", referral.StatusCompleted: "completada"},
}

// AgencyAnswer implements referral.Mailer: the email telling the
// referring specialist that the agency answered, in n.Lang ("en" for any
// language the templates lack). It returns an error for an answer the
// agency cannot give, or when a template fails.
func (t *Templates) AgencyAnswer(n referral.AnswerNotice) (string, string, error) {
	if _, ok := t.byKind[referral.MailAgencyAnswer][n.Lang]; !ok {
		n.Lang = "en"
	}
	word, ok := answers[n.Lang][n.Status]
	if !ok {
		return "", "", fmt.Errorf("notify: agency answer: %q is not an answer the agency gives", n.Status)
	}
	return t.compose(referral.MailAgencyAnswer, n.Lang, answerData{AnswerNotice: n, Answer: word})
}
