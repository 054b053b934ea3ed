package auth

import (
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"fmt"
	"strings"
	"sync/atomic"
	"unicode/utf8"

	"golang.org/x/crypto/argon2"

	"trellis/internal/apperr"
)

// Argon2Params are argon2id's cost parameters.
type Argon2Params struct {
	// Memory is in KiB.
	Memory  uint32
	Time    uint32
	Threads uint8
	SaltLen int
	KeyLen  int
}

// DefaultArgon2 is the cost HashPassword uses: argon2id with 19 MiB of
// memory, 2 passes and 1 lane, a 16-byte salt and a 32-byte key, the
// OWASP Password Storage Cheat Sheet's baseline. It takes some tens of
// milliseconds per hash. Hashes made with other parameters still verify,
// and NeedsRehash reports them so they can be upgraded at sign-in.
var DefaultArgon2 = Argon2Params{Memory: 19 * 1024, Time: 2, Threads: 1, SaltLen: 16, KeyLen: 32}

// Password length limits, in characters.
const (
	MinPassword = 12
	MaxPassword = 1024
)

// ValidatePassword returns nil if pw is 12 to 1024 characters long and
// not easy to guess, and an Invalid error for field "password" saying why
// otherwise. Easy to guess, after NIST SP 800-63B: one of the bundled list
// of common passwords (commonPasswords), one of them with digits or
// symbols added, a short pattern repeated ("aaaaaaaaaaaa"), a run along
// the keyboard or the alphabet, fewer than five different characters, or
// containing one of userInputs (the user's email address) or the site's
// name.
func ValidatePassword(pw string, userInputs ...string) error {
	n := utf8.RuneCountInString(pw)
	if n < MinPassword {
		return apperr.Field("password", "password must be at least %d characters long", MinPassword)
	}
	if n > MaxPassword {
		return apperr.Field("password", "password must be at most %d characters long", MaxPassword)
	}
	if why := weakness(pw, append(userInputs, siteName)); why != "" {
		return weakPassword(why)
	}
	return nil
}

// HashPassword returns pw hashed with argon2id under DefaultArgon2, as a
// PHC string: $argon2id$v=19$m=19456,t=2,p=1$<salt>$<key> with salt and
// key in unpadded standard base64. It returns an error only if the system
// random source fails.
func HashPassword(pw string) (string, error) {
	return hashPassword(pw, DefaultArgon2)
}

func hashPassword(pw string, p Argon2Params) (string, error) {
	salt := make([]byte, p.SaltLen)
	if _, err := rand.Read(salt); err != nil {
		return "", fmt.Errorf("auth: hash password: %w", err)
	}
	key := deriveKey(pw, salt, p)
	b64 := base64.RawStdEncoding
	return fmt.Sprintf("$argon2id$v=%d$m=%d,t=%d,p=%d$%s$%s", argon2.Version, p.Memory, p.Time, p.Threads, b64.EncodeToString(salt), b64.EncodeToString(key)), nil
}

var errBadHash = errors.New("auth: password hash is not an argon2id PHC string")

// parseHash returns the parameters, salt and key of an encoded hash.
func parseHash(encoded string) (Argon2Params, []byte, []byte, error) {
	var p Argon2Params
	parts := strings.Split(encoded, "$")
	if len(parts) != 6 || parts[0] != "" || parts[1] != "argon2id" {
		return p, nil, nil, errBadHash
	}
	var v int
	if _, err := fmt.Sscanf(parts[2], "v=%d", &v); err != nil || v != argon2.Version {
		return p, nil, nil, errBadHash
	}
	var threads uint32
	if n, err := fmt.Sscanf(parts[3], "m=%d,t=%d,p=%d", &p.Memory, &p.Time, &threads); err != nil || n != 3 {
		return p, nil, nil, errBadHash
	}
	salt, err1 := base64.RawStdEncoding.DecodeString(parts[4])
	key, err2 := base64.RawStdEncoding.DecodeString(parts[5])
	// Bounds keep a corrupt row from costing a gigabyte or an hour.
	if err1 != nil || err2 != nil || threads < 1 || threads > 64 || p.Time < 1 || p.Time > 64 ||
		p.Memory < 8*threads || p.Memory > 1<<20 || len(salt) < 8 || len(key) < 16 || len(key) > 128 {
		return p, nil, nil, errBadHash
	}
	p.Threads = uint8(threads)
	p.SaltLen, p.KeyLen = len(salt), len(key)
	return p, salt, key, nil
}

// CheckPassword reports whether pw matches the encoded hash, comparing in
// constant time. It returns an error (and false) if encoded is not an
// argon2id PHC string within sane cost bounds.
func CheckPassword(encoded, pw string) (bool, error) {
	p, salt, key, err := parseHash(encoded)
	if err != nil {
		return false, err
	}
	got := deriveKey(pw, salt, p)
	return subtle.ConstantTimeCompare(got, key) == 1, nil
}

// keyDerivations counts argon2id derivations, so that a test can show
// that every way of refusing a sign-in does the same hashing work.
var keyDerivations atomic.Int64

// deriveKey is argon2id of pw with salt under p: all the hashing work.
func deriveKey(pw string, salt []byte, p Argon2Params) []byte {
	keyDerivations.Add(1)
	return argon2.IDKey([]byte(pw), salt, p.Time, p.Memory, p.Threads, uint32(p.KeyLen))
}

// NeedsRehash reports whether encoded was made with parameters other than
// DefaultArgon2 (or cannot be read).
func NeedsRehash(encoded string) bool {
	p, _, _, err := parseHash(encoded)
	return err != nil || p != DefaultArgon2
}

// dummyHash is checked against when no user has the email (or the email
// is malformed), so that refusing an unknown email does the same work as
// refusing a wrong password: one argon2id derivation under DefaultArgon2.
// It is a constant, not computed on first use, so that the first refusal
// costs no more than the others; TestDummyHash keeps it in step with
// DefaultArgon2. Nobody knows its password.
const dummyHash = "$argon2id$v=19$m=19456,t=2,p=1$YWhHbG1aS0NnM2p0dFpNTA$VQ8ZyWOI1lW2bKX0d3M0NmLMiN9aTn8kj7Y3o0x2c1E"
