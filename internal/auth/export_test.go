package auth

// KeyDerivations returns how many argon2id derivations the package has
// made, for tests that compare the hashing work of two paths.
func KeyDerivations() int64 { return keyDerivations.Load() }

// DummyHash is the hash Authenticate checks when no user has the email.
const DummyHash = dummyHash
