package auth

import (
	"strings"
	"sync"
	"unicode"
	"unicode/utf8"

	"github.com/trustelem/zxcvbn/frequency"

	"trellis/internal/apperr"
)

// commonPasswords is the bundled list of common passwords: zxcvbn's
// "passwords" frequency list, the 30,000 most common passwords of Mark
// Burnett's corpus of ten million leaked passwords (released into the
// public domain), as shipped in the Go port github.com/trustelem/zxcvbn
// v1.0.1 (MIT licence; zxcvbn itself is Dropbox's, MIT). PROVENANCE.md
// beside this file has the details. It is made into a set once, on first
// use.
var commonPasswords = sync.OnceValue(func() map[string]bool {
	list := frequency.FrequencyLists["passwords"]
	set := make(map[string]bool, len(list))
	for _, p := range list {
		set[p] = true
	}
	return set
})

// CommonPasswordCount returns how many passwords the bundled list holds.
func CommonPasswordCount() int { return len(commonPasswords()) }

// keyboardRuns are strings whose stretches people type as passwords:
// "qwertyuiopas", "123456789012", "abcdefghijkl" and their reverses.
var keyboardRuns = []string{
	"qwertyuiopasdfghjklzxcvbnm", "qazwsxedcrfvtgbyhnujmikolp", "1qaz2wsx3edc4rfv5tgb6yhn7ujm8ik9ol0p",
	"abcdefghijklmnopqrstuvwxyzabcdefghijklmnopqrstuvwxyz", "1234567890123456789012345678901234567890",
	"!@#$%^&*()_+", "qwertzuiopasdfghjklyxcvbnm", "azertyuiopqsdfghjklmwxcvbn",
}

// weakness returns why pw is easy to guess, or "" when the checks find
// nothing: one of the common passwords, one of them with digits or
// symbols around it, a short pattern repeated, a run along the keyboard
// or the alphabet, too few different characters, or the user's own email
// address or name, or the site's name (userInputs).
func weakness(pw string, userInputs []string) string {
	lower := strings.ToLower(pw)
	common := commonPasswords()
	if common[lower] {
		return "it is one of the most common passwords"
	}
	core := strings.TrimFunc(lower, func(r rune) bool { return !unicode.IsLetter(r) })
	if utf8.RuneCountInString(core) >= 4 && common[core] {
		return "it is a common password with digits or symbols added"
	}
	if unit := repeatedUnit(lower); unit > 0 {
		return "it repeats a short pattern"
	}
	for _, run := range keyboardRuns {
		if strings.Contains(run, lower) || strings.Contains(reverse(run), lower) {
			return "it runs along the keyboard or the alphabet"
		}
	}
	distinct := map[rune]bool{}
	for _, r := range lower {
		distinct[r] = true
	}
	if len(distinct) < 5 {
		return "it uses fewer than five different characters"
	}
	for _, in := range userInputs {
		in = strings.ToLower(strings.TrimSpace(in))
		if at := strings.IndexByte(in, '@'); at > 0 {
			if local := in[:at]; len(local) >= 4 && strings.Contains(lower, local) {
				return "it contains your email address"
			}
		}
		if len(in) >= 4 && strings.Contains(lower, in) {
			return "it contains your email address or this site's name"
		}
	}
	return ""
}

// repeatedUnit returns the length of the shortest unit that s is two or
// more copies of ("abab" is 2), or 0 when s is no such repetition.
func repeatedUnit(s string) int {
	r := []rune(s)
	for n := 1; n <= len(r)/2; n++ {
		if len(r)%n != 0 {
			continue
		}
		ok := true
		for i := n; i < len(r) && ok; i++ {
			ok = r[i] == r[i-n]
		}
		if ok {
			return n
		}
	}
	return 0
}

func reverse(s string) string {
	r := []rune(s)
	for i, j := 0, len(r)-1; i < j; i, j = i+1, j-1 {
		r[i], r[j] = r[j], r[i]
	}
	return string(r)
}

// siteName is the word every Trellis password is checked against, beside
// the user's own email address.
const siteName = "trellis"

// weakPassword returns the Invalid error for field "password" that says
// why pw was refused.
func weakPassword(why string) error {
	return apperr.Field("password", "choose another password: %s. A passphrase of a few unrelated words is strong and easy to remember", why)
}
