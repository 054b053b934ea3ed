// Package app is the trellis command: it parses subcommands and their flags
// (each flag also settable as a TRELLIS_* environment variable), opens what
// each needs and wires the packages together. cmd/trellis only calls Run.
package app

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"sort"
	"strings"

	"trellis/internal/buildinfo"
)

// IO is the standard streams and environment a command runs with; tests
// pass their own.
type IO struct {
	Stdin  io.Reader
	Stdout io.Writer
	Stderr io.Writer
	Getenv func(string) string
}

// StdIO returns the process's streams and environment.
func StdIO() IO {
	return IO{Stdin: os.Stdin, Stdout: os.Stdout, Stderr: os.Stderr, Getenv: os.Getenv}
}

// command is one subcommand.
type command struct {
	summary string
	run     func(ctx context.Context, args []string, io IO) error
}

// exitError carries a specific exit status without more output.
type exitError struct{ code int }

func (e exitError) Error() string { return fmt.Sprintf("exit status %d", e.code) }

// usageError is a command-line mistake: it is printed with a hint to --help
// and exits 2.
type usageError struct{ msg string }

func (e usageError) Error() string { return e.msg }

func commands() map[string]command {
	return map[string]command{
		"serve":    {"run the HTTP server on the directory", runServe},
		"validate": {"check listing and meeting files: every error and warning as path:line:col (text, json or github)", runValidate},
		"fmt":      {"rewrite listing files in canonical form, keeping comments (--check lists the others)", runFmt},
		"stale":    {"list services by last verification, oldest first, with who verified them", runStale},
		"verify":   {"set a service's last_verified (and verified_by) in its listing file, keeping the rest of the file", runVerify},
		"import":   {"import an Open Referral HSDS 3.0 package into listing files, or a Meeting Guide feed into meeting files", runImport},
		"export":   {"export the directory as Open Referral HSDS 3.0 (NDJSON and tabular)", runExport},
		"report":   {"print a report: unmet-needs (searches that found nothing) or referrals (outcomes), in whole weeks", runReport},
		"version":  {"print the version", runVersion},
		"user":     {"accounts: add, list, disable, enable, reset-password, revoke; API tokens", runUser},
		"purge":    {"delete closed referrals past the retention period", runPurge},
	}
}

// Run runs the subcommand named by args[0] and returns the process exit
// status: 0 on success, 1 when the command failed, 2 for a usage mistake.
func Run(ctx context.Context, args []string, io IO) int {
	if io.Getenv == nil {
		io.Getenv = func(string) string { return "" }
	}
	cmds := commands()
	if len(args) > 0 && (args[0] == "--version" || args[0] == "-version") {
		args = append([]string{"version"}, args[1:]...)
	}
	if len(args) == 0 || args[0] == "help" || args[0] == "-h" || args[0] == "--help" {
		printHelp(io.Stdout, cmds)
		if len(args) == 0 {
			return 2
		}
		return 0
	}
	cmd, ok := cmds[args[0]]
	if !ok {
		fmt.Fprintf(io.Stderr, "trellis: unknown command %q\n\n", args[0])
		printHelp(io.Stderr, cmds)
		return 2
	}
	err := cmd.run(ctx, args[1:], io)
	var ee exitError
	var ue usageError
	switch {
	case err == nil:
		return 0
	case errors.Is(err, flag.ErrHelp):
		return 0
	case errors.As(err, &ee):
		return ee.code
	case errors.As(err, &ue):
		fmt.Fprintf(io.Stderr, "trellis %s: %s (see trellis %s --help)\n", args[0], ue.msg, args[0])
		return 2
	case isFlagError(err):
		// The flag package has already printed the problem and the usage.
		return 2
	default:
		fmt.Fprintf(io.Stderr, "trellis %s: %v\n", args[0], err)
		return 1
	}
}

// flagError marks errors that came from flag parsing, already reported.
type flagError struct{ err error }

func (e flagError) Error() string { return e.err.Error() }
func (e flagError) Unwrap() error { return e.err }

func isFlagError(err error) bool {
	var fe flagError
	return errors.As(err, &fe)
}

// parse parses a subcommand's flags with the environment applied and wraps
// failures so Run exits 2 without printing them twice.
func parse(fs *flag.FlagSet, args []string, io IO) error {
	if err := parseFlags(fs, args, io.Getenv); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return err
		}
		var ee envError
		if errors.As(err, &ee) {
			// The flag package has not printed this one.
			fmt.Fprintf(io.Stderr, "trellis %s: %v\n", fs.Name(), err)
		}
		return flagError{err}
	}
	return nil
}

func printHelp(w io.Writer, cmds map[string]command) {
	names := make([]string, 0, len(cmds))
	for n := range cmds {
		names = append(names, n)
	}
	sort.Strings(names)
	fmt.Fprintln(w, "trellis: a community resource directory and referral matcher")
	fmt.Fprintln(w, "\nusage: trellis <command> [flags]\n\ncommands:")
	for _, n := range names {
		fmt.Fprintf(w, "  %-10s %s\n", n, cmds[n].summary)
	}
	fmt.Fprintln(w, "\nRun trellis <command> --help for a command's flags.")
}

func runVersion(_ context.Context, args []string, io IO) error {
	if len(args) > 0 {
		return usageError{"version takes no arguments: " + strings.Join(args, " ")}
	}
	b := buildinfo.Read()
	fmt.Fprintf(io.Stdout, "trellis %s\n", b.Version)
	if b.Revision != "" {
		fmt.Fprintf(io.Stdout, "revision %s\n", b.Revision)
	}
	if b.Go != "" {
		fmt.Fprintf(io.Stdout, "built with %s\n", b.Go)
	}
	return nil
}
