package report

import (
	"context"
	"fmt"
	"regexp"
	"slices"
	"time"
)

// Problem is a kind of problem a member of the public can report with a
// listing: a fixed choice, never free text, so nothing they type is kept.
type Problem string

// The problems.
const (
	ProblemPhone       Problem = "phone"       // the phone number is wrong
	ProblemMoved       Problem = "moved"       // it has moved
	ProblemClosed      Problem = "closed"      // it has closed
	ProblemHours       Problem = "hours"       // the hours are wrong
	ProblemEligibility Problem = "eligibility" // who can go is wrong
	ProblemOther       Problem = "other"       // something else is wrong
)

// Problems lists every problem in the order the form offers them.
var Problems = []Problem{ProblemPhone, ProblemMoved, ProblemClosed, ProblemHours, ProblemEligibility, ProblemOther}

// ParseProblem returns the problem named s, or an error naming the
// choices.
func ParseProblem(s string) (Problem, error) {
	p := Problem(s)
	if !slices.Contains(Problems, p) {
		return "", fmt.Errorf("problem must be one of phone, moved, closed, hours, eligibility, other")
	}
	return p, nil
}

// ProblemCount is how many reports of one problem a service had on one
// day.
type ProblemCount struct {
	Day        time.Time // 00:00 UTC of the date
	ServiceKey string
	Problem    Problem
	N          int64
}

// ProblemStore keeps problem reports as counts; sqlstore implements it on
// SQLite and PostgreSQL.
type ProblemStore interface {
	// AddProblem counts one report of problem p with service key on day
	// (a date). It returns an error when the database fails.
	AddProblem(ctx context.Context, day time.Time, key string, p Problem) error
	// ProblemCounts returns the counts of the days on or after since, in
	// no set order. It returns an error when the database fails.
	ProblemCounts(ctx context.Context, since time.Time) ([]ProblemCount, error)
}

var serviceKeyRE = regexp.MustCompile(`^[a-z0-9]+(?:-[a-z0-9]+)*\.[a-z0-9]+(?:-[a-z0-9]+)*$`)

// CheckProblem returns an error when key is not a service key or p not a
// problem: what is stored is an id and a choice, never text.
func CheckProblem(key string, p Problem) error {
	if !serviceKeyRE.MatchString(key) {
		return fmt.Errorf("report: %q is not a service key", key)
	}
	if _, err := ParseProblem(string(p)); err != nil {
		return err
	}
	return nil
}
