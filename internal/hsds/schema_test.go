package hsds

import (
	"sync"
	"testing"

	"trellis/internal/hsds/hsdstest"
)

var (
	schemasOnce sync.Once
	schemas     *hsdstest.Validator
	schemasErr  error
)

// testSchemas wraps the validator of the official HSDS 3.0 schemas in
// testdata/hsds-schema for the tests.
type testSchemas struct{ v *hsdstest.Validator }

// loadSchemas loads the schemas once.
func loadSchemas(tb testing.TB) testSchemas {
	tb.Helper()
	schemasOnce.Do(func() { schemas, schemasErr = hsdstest.New("testdata/hsds-schema") })
	if schemasErr != nil {
		tb.Fatal(schemasErr)
	}
	return testSchemas{schemas}
}

// validate checks v against schema file name and returns the validation
// error, or nil.
func (s testSchemas) validate(tb testing.TB, name string, v any) error {
	tb.Helper()
	return s.v.Validate(name, v)
}
