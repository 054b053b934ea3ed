// Command pgready runs before `make test`: it checks that the test
// PostgreSQL (TRELLIS_TEST_DATABASE_URL, default the local "test"
// database) answers, creates the database when the server is up and the
// database missing, and otherwise stops the run with one line saying what
// is wrong and how to start the server.
package main

import (
	"context"
	"fmt"
	"os"

	"trellis/internal/postgres/pgtest"
)

func main() {
	if os.Getenv("TRELLIS_SKIP_POSTGRES") == "1" {
		fmt.Println("make test: TRELLIS_SKIP_POSTGRES=1: the PostgreSQL tests will be skipped")
		return
	}
	created, err := pgtest.Ensure(context.Background(), pgtest.URL())
	if err != nil {
		fmt.Fprintln(os.Stderr, "make test:", err)
		os.Exit(1)
	}
	if created != "" {
		fmt.Println("make test:", created)
	}
}
