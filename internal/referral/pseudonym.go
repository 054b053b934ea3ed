package referral

import (
	"crypto/rand"
	"fmt"
	"regexp"
	"strings"
	"unicode"
	"unicode/utf8"

	"trellis/internal/apperr"
)

// PseudonymAlphabet is what Trellis-issued pseudonyms are made of: 23
// digits and consonants, leaving out every vowel (Y too), so that no
// pseudonym spells a word or a name, and both sides of each look-alike
// pair (0/O, 1/I/L, 2/Z, 5/S, 6/G, 8/B) but the digit, so that none is
// misread when copied from a slip. 23 is prime, which lets the check
// character catch every single mistyped character and every swap of two
// neighbours.
const PseudonymAlphabet = "23456789CDFHJKMNPQRTVWX"

// Pseudonym shape: "P-", pseudonymRandom random characters from
// PseudonymAlphabet, and one check character.
const (
	pseudonymPrefix = "P-"
	pseudonymRandom = 4
	// PseudonymLen is the length of an issued pseudonym, e.g. "P-7K3QW".
	PseudonymLen = len(pseudonymPrefix) + pseudonymRandom + 1
)

// NewPseudonym returns a fresh random pseudonym for a peer, such as
// "P-7K3QW": "P-", four random characters from PseudonymAlphabet and a
// check character that catches a mistyped character or two swapped
// neighbours when a specialist types it back in. There are 279,841 of
// them; Service.Create issues one not yet in use.
func NewPseudonym() string {
	n := byte(len(PseudonymAlphabet))
	b := make([]byte, pseudonymRandom)
	// Rejection sampling keeps every character equally likely: 253 is the
	// largest multiple of 23 that fits a byte.
	var buf [1]byte
	for i := range b {
		for {
			_, _ = rand.Read(buf[:]) // crypto/rand.Read never returns an error
			if buf[0] < 253 {
				b[i] = PseudonymAlphabet[buf[0]%n]
				break
			}
		}
	}
	return pseudonymPrefix + string(b) + string(checkChar(string(b)))
}

// checkChar returns the check character c of s, whose characters are all
// in PseudonymAlphabet: with each character's value x (its index) and
// position i counted from 1, c makes the sum of i*x over s and c a
// multiple of 23. As 23 is prime and the positions are below it, changing
// one character or swapping two different neighbours changes the sum by
// a non-multiple of 23, so the check fails.
func checkChar(s string) byte {
	n := len(PseudonymAlphabet)
	sum := 0
	for i := range len(s) {
		sum += (i + 1) * strings.IndexByte(PseudonymAlphabet, s[i])
	}
	// c solves sum + (len(s)+1)*c = 0 (mod n): multiply -sum by the
	// inverse of len(s)+1, found by trying (n is tiny).
	w := len(s) + 1
	for c := range n {
		if (sum+w*c)%n == 0 {
			return PseudonymAlphabet[c]
		}
	}
	panic("referral: no check character: the alphabet's size must be prime")
}

// pseudonymForm is the shape of an issued pseudonym, check character
// aside.
var pseudonymForm = regexp.MustCompile(`^P-[` + PseudonymAlphabet + `]{5}$`)

// examplePseudonym is the pseudonym messages show.
const examplePseudonym = "P-7K3QW"

// IsPseudonym reports whether s, upper-cased, is a pseudonym as
// NewPseudonym makes them, with a valid check character.
func IsPseudonym(s string) bool {
	s = strings.ToUpper(s)
	if !pseudonymForm.MatchString(s) {
		return false
	}
	body := s[len(pseudonymPrefix):]
	return checkChar(body[:pseudonymRandom]) == body[pseudonymRandom]
}

// peerRefProbes are values that look like the things a peer reference must
// never hold. A deployment's --peer-ref-pattern may match none of them
// (ParsePeerRefPattern), so that no pattern lets free text through.
var peerRefProbes = []string{
	"JohnSmith", "John.Smith", "John Smith", "john_smith", "Maria_Garcia_DOB1990", "MariaGarcia1990",
	"202.555.0199", "2025550199", "(202) 555-0199", "+12025550199",
	"Jan-02-1990", "1990-01-02", "01/02/1990", "02.01.90", "19900102",
	"MRN12345", "123-45-6789", "123456789", "jd@example.org",
}

// ParsePeerRefPattern compiles expr, a deployment's pattern for its own
// client ids (RE2 syntax, matched against the whole reference), for
// Service.PeerRefPattern. It returns an error naming the problem when expr
// does not compile, or when it would accept a value that looks like a
// name, a birth date, a phone, email or record number: then it is no
// pattern for pseudonymous client ids.
func ParsePeerRefPattern(expr string) (*regexp.Regexp, error) {
	if strings.TrimSpace(expr) == "" {
		return nil, fmt.Errorf("the peer reference pattern is empty")
	}
	re, err := regexp.Compile(`^(?:` + expr + `)$`)
	if err != nil {
		return nil, fmt.Errorf("the peer reference pattern does not compile: %w", err)
	}
	for _, p := range peerRefProbes {
		if re.MatchString(p) {
			return nil, fmt.Errorf("the peer reference pattern accepts %q, which looks like %s; give a pattern that matches your client ids only, such as C-[0-9]{5}", p, joinReasons(PeerRefLooksLike(p)))
		}
	}
	return re, nil
}

// CheckPeerRef returns ref as Trellis stores it, or an Unprocessable error
// for field "peer_ref" saying why it is refused; the message never repeats
// the value. An empty ref is returned as is: the caller issues a
// pseudonym. Otherwise ref must be a pseudonym Trellis issued (IsPseudonym;
// returned upper-cased) or, when pattern is not nil, match the
// deployment's pattern for its client ids (ParsePeerRefPattern); free text
// is never accepted.
//
// The refusal's details say why, for pages that explain it in their own
// language: "problem" is PeerRefMistyped (the shape of an issued pseudonym
// with a wrong check character), PeerRefPersonal (then "looks_like" lists
// what the value resembles, as PeerRefLooksLike returns) or PeerRefFreeText;
// "pattern" is true when the deployment accepts its own client ids.
func CheckPeerRef(ref string, pattern *regexp.Regexp) (string, error) {
	ref = strings.TrimSpace(ref)
	if ref == "" {
		return "", nil
	}
	if IsPseudonym(ref) {
		return strings.ToUpper(ref), nil
	}
	if pattern != nil && utf8.RuneCountInString(ref) <= 64 && pattern.MatchString(ref) {
		return ref, nil
	}
	how := "leave peer_ref empty and Trellis issues a pseudonym such as " + examplePseudonym + ", or give one it issued before"
	if pattern != nil {
		how = "leave peer_ref empty and Trellis issues a pseudonym such as " + examplePseudonym + ", give one it issued before, or give a client id in this organization's own form"
	}
	var err *apperr.Error
	if strings.HasPrefix(strings.ToUpper(ref), pseudonymPrefix) && pseudonymForm.MatchString(strings.ToUpper(ref)) {
		err = unprocessable("peer_ref", "peer_ref is not a pseudonym Trellis issued: its last character does not match the others, so a character was probably mistyped; copy it again from the earlier referral or the peer's slip, or %s", how).
			With("problem", PeerRefMistyped)
	} else if reasons := PeerRefLooksLike(ref); len(reasons) > 0 {
		err = unprocessable("peer_ref", "peer_ref looks like %s, and Trellis never stores names, dates, phone, email or record numbers; %s", joinReasons(reasons), how).
			With("problem", PeerRefPersonal).With("looks_like", reasons)
	} else {
		err = unprocessable("peer_ref", "peer_ref is not a pseudonym Trellis issued and Trellis stores no free text as a peer reference; %s", how).
			With("problem", PeerRefFreeText)
	}
	return "", err.With("pattern", pattern != nil)
}

// Why CheckPeerRef refused a peer reference, in its error's "problem"
// detail.
const (
	// PeerRefMistyped: shaped like an issued pseudonym, but its check
	// character does not match.
	PeerRefMistyped = "mistyped"
	// PeerRefPersonal: it resembles personal data; "looks_like" says
	// what.
	PeerRefPersonal = "personal"
	// PeerRefFreeText: neither a pseudonym nor a client id.
	PeerRefFreeText = "free_text"
)

// What a refused peer reference may look like, as PeerRefLooksLike
// returns it.
const (
	LooksLikeName      = "name"
	LooksLikeEmail     = "email"
	LooksLikeDate      = "date"
	LooksLikeBirthYear = "birth_year"
	LooksLikeRecord    = "record_number"
	LooksLikePhone     = "phone"
)

// looksLikeText is how messages name each kind.
var looksLikeText = map[string]string{
	LooksLikeName: "a name", LooksLikeEmail: "an email address", LooksLikeDate: "a date",
	LooksLikeBirthYear: "a birth date or year", LooksLikeRecord: "a record or case number", LooksLikePhone: "a phone number",
}

var (
	monthRE  = regexp.MustCompile(`(?i)(jan|feb|mar|apr|may|jun|jul|aug|sep|sept|oct|nov|dec)[a-z]*[-._/ ]?[0-9]|[0-9][-._/ ]?(jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)`)
	dateRE   = regexp.MustCompile(`[0-9]{1,4}[-./_ ][0-9]{1,2}[-./_ ][0-9]{2,4}`)
	yearRE   = regexp.MustCompile(`(?:^|[^0-9])(19[0-9]{2}|20[0-9]{2})(?:[^0-9]|$)|(?i)dob|born|birth`)
	recordRE = regexp.MustCompile(`(?i)(mrn|ssn|chart|case|acct|account|medicaid|medicare|patient|client|id)[-._#: ]?[0-9]|[0-9]{3}-[0-9]{2}-[0-9]{4}`)
	wordRE   = regexp.MustCompile(`(?i)[a-z]*[aeiouy][a-z]*`)
	// notNames are words a reference may hold that say something else.
	notNames = regexp.MustCompile(`(?i)^(jan|january|feb|february|mar|march|apr|april|may|jun|june|jul|july|aug|august|sep|sept|september|oct|october|nov|november|dec|december|dob|born|birth)$`)
)

// PeerRefLooksLike returns what ref looks like, for a refusal: among
// LooksLikeName, LooksLikeEmail, LooksLikeDate, LooksLikeBirthYear,
// LooksLikeRecord and LooksLikePhone, in that order. It errs towards
// saying something: it only ever explains a refusal.
func PeerRefLooksLike(ref string) []string {
	var out []string
	digits, letters := 0, 0
	for _, r := range ref {
		switch {
		case unicode.IsDigit(r):
			digits++
		case unicode.IsLetter(r):
			letters++
		}
	}
	hasWord := false
	for _, w := range wordRE.FindAllString(ref, -1) {
		if utf8.RuneCountInString(w) >= 3 && !recordRE.MatchString(w+"0") && !notNames.MatchString(w) {
			hasWord = true
		}
	}
	switch {
	case strings.Contains(ref, "@"):
		out = append(out, LooksLikeEmail)
	case hasWord || strings.ContainsAny(ref, " ") && letters > 0:
		out = append(out, LooksLikeName)
	}
	dated := true
	switch {
	case monthRE.MatchString(ref) || dateRE.MatchString(ref):
		out = append(out, LooksLikeDate)
	case yearRE.MatchString(ref):
		out = append(out, LooksLikeBirthYear)
	default:
		dated = false
	}
	switch {
	case recordRE.MatchString(ref):
		out = append(out, LooksLikeRecord)
	case digits >= 7 && letters == 0 && !dated:
		out = append(out, LooksLikePhone)
	case digits >= 5 && !dated:
		out = append(out, LooksLikeRecord)
	}
	return out
}

// joinReasons writes what PeerRefLooksLike returned as "a, b and c".
func joinReasons(kinds []string) string {
	rs := make([]string, len(kinds))
	for i, k := range kinds {
		rs[i] = looksLikeText[k]
	}
	switch len(rs) {
	case 0:
		return "free text"
	case 1:
		return rs[0]
	}
	return strings.Join(rs[:len(rs)-1], ", ") + " and " + rs[len(rs)-1]
}

// unprocessable returns an Unprocessable (422) error about field: the
// request was well formed but the value is not acceptable.
func unprocessable(field, format string, args ...any) *apperr.Error {
	return &apperr.Error{Code: apperr.Unprocessable, Field: field, Message: fmt.Sprintf(format, args...)}
}
