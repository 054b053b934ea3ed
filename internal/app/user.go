package app

import (
	"bufio"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"
	"text/tabwriter"
	"time"

	"golang.org/x/term"

	"trellis/internal/apperr"
	"trellis/internal/auth"
)

// runUser is `trellis user add|list|token`.
func runUser(ctx context.Context, args []string, io IO) error {
	sub := map[string]func(context.Context, []string, IO) error{
		"add":   runUserAdd,
		"list":  runUserList,
		"token": runUserToken,
	}
	if len(args) == 0 || args[0] == "-h" || args[0] == "--help" || args[0] == "help" {
		fmt.Fprintln(io.Stderr, "usage: trellis user add|list|token [flags]\n\n"+
			"  add    create an account (password from a prompt, or from stdin with --password-stdin)\n"+
			"  list   list accounts\n"+
			"  token  issue an API token for an account, printed once\n\n"+
			"Run trellis user <command> --help for its flags.")
		if len(args) == 0 {
			return usageError{"say which: add, list or token"}
		}
		return flag.ErrHelp
	}
	run, ok := sub[args[0]]
	if !ok {
		return usageError{fmt.Sprintf("unknown user command %q: want add, list or token", args[0])}
	}
	return run(ctx, args[1:], io)
}

// parseWithArgs parses flags that may come before or after the positional
// arguments ("user add ana@example.org --role specialist" works like
// "user add --role specialist ana@example.org") and returns the
// positional ones.
func parseWithArgs(fs *flag.FlagSet, args []string, io IO) ([]string, error) {
	var pos []string
	for {
		if err := parse(fs, args, io); err != nil {
			return nil, err
		}
		if fs.NArg() == 0 {
			return pos, nil
		}
		pos = append(pos, fs.Arg(0))
		args = fs.Args()[1:]
	}
}

// friendly turns a validation error from the domain into the message a
// person at a terminal needs.
func friendly(err error) error {
	e := apperr.As(err)
	if e == nil || (e.Code != apperr.Invalid && e.Code != apperr.Conflict && e.Code != apperr.NotFound) {
		return err
	}
	if e.Field == "password" {
		return fmt.Errorf("%s; a passphrase of a few words is easiest to remember", e.Message)
	}
	return errors.New(e.Message)
}

// runUserAdd is `trellis user add`.
func runUserAdd(ctx context.Context, args []string, io IO) error {
	fs := newFlagSet("user add", io.Stderr, "user add [--state-dir DIR | --database-url URL] --role admin|coordinator|specialist [--team TEAM] [--password-stdin] EMAIL")
	var sc StoreConfig
	sc.storeFlags(fs)
	role := fs.String("role", "", "the account's role: admin, coordinator or specialist (required)")
	team := fs.String("team", "", "the specialist's team: teammates see each other's referrals")
	fromStdin := fs.Bool("password-stdin", false, "read the password from the first line of standard input instead of prompting")
	pos, err := parseWithArgs(fs, args, io)
	if err != nil {
		return err
	}
	if len(pos) != 1 {
		return usageError{"give exactly one EMAIL"}
	}
	if *role == "" {
		return usageError{"--role is required: admin, coordinator or specialist"}
	}
	r, err := auth.ParseRole(*role)
	if err != nil {
		return usageError{friendly(err).Error()}
	}
	email, err := auth.NormalizeEmail(pos[0])
	if err != nil {
		return usageError{friendly(err).Error()}
	}
	pw, err := readPassword(io, *fromStdin, email)
	if err != nil {
		return err
	}
	if err := auth.ValidatePassword(pw); err != nil {
		return friendly(err)
	}
	db, err := openStore(ctx, sc)
	if err != nil {
		return err
	}
	defer db.Close()
	u, err := auth.AddUser(ctx, db, email, r, pw)
	if err != nil {
		return friendly(err)
	}
	if *team != "" {
		if err := db.SetUserTeam(ctx, u.ID, strings.TrimSpace(*team)); err != nil {
			return fmt.Errorf("set team of %s: %w", u.ID, err)
		}
	}
	fmt.Fprintf(io.Stdout, "added %s (%s) id %s\n", u.Email, u.Role, u.ID)
	return nil
}

// readPassword reads the new account's password: the first line of stdin
// with --password-stdin, else twice from the terminal without echo. It
// refuses to prompt when stdin is not a terminal.
func readPassword(io IO, fromStdin bool, email string) (string, error) {
	if fromStdin {
		line, err := bufio.NewReader(io.Stdin).ReadString('\n')
		if err != nil && !errors.Is(err, errEOF) {
			return "", fmt.Errorf("read the password from standard input: %w", err)
		}
		pw := strings.TrimRight(line, "\r\n")
		if pw == "" {
			return "", errors.New("no password on standard input (--password-stdin reads its first line)")
		}
		return pw, nil
	}
	f, ok := io.Stdin.(*os.File)
	if !ok || !term.IsTerminal(int(f.Fd())) {
		return "", usageError{"standard input is not a terminal: pipe the password in with --password-stdin (it is never taken as an argument)"}
	}
	read := func(prompt string) (string, error) {
		fmt.Fprint(io.Stderr, prompt)
		b, err := term.ReadPassword(int(f.Fd()))
		fmt.Fprintln(io.Stderr)
		if err != nil {
			return "", fmt.Errorf("read the password: %w", err)
		}
		return string(b), nil
	}
	pw, err := read(fmt.Sprintf("Password for %s (at least %d characters): ", email, auth.MinPassword))
	if err != nil {
		return "", err
	}
	if err := auth.ValidatePassword(pw); err != nil {
		return "", friendly(err)
	}
	again, err := read("Again: ")
	if err != nil {
		return "", err
	}
	if again != pw {
		return "", errors.New("the passwords differ; nothing was saved")
	}
	return pw, nil
}

var errEOF = io.EOF

// runUserList is `trellis user list`.
func runUserList(ctx context.Context, args []string, io IO) error {
	fs := newFlagSet("user list", io.Stderr, "user list [--state-dir DIR | --database-url URL]")
	var sc StoreConfig
	sc.storeFlags(fs)
	pos, err := parseWithArgs(fs, args, io)
	if err != nil {
		return err
	}
	if len(pos) > 0 {
		return usageError{fmt.Sprintf("unexpected argument %q", pos[0])}
	}
	db, err := openStore(ctx, sc)
	if err != nil {
		return err
	}
	defer db.Close()
	users, err := db.ListUsers(ctx)
	if err != nil {
		return err
	}
	w := tabwriter.NewWriter(io.Stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(w, "EMAIL\tROLE\tTEAM\tCREATED\tID")
	for _, u := range users {
		team := u.TeamID
		if team == "" {
			team = "-"
		}
		fmt.Fprintf(w, "%s\t%s\t%s\t%s\t%s\n", u.Email, u.Role, team, u.CreatedAt.Format(time.DateOnly), u.ID)
	}
	return w.Flush()
}

// runUserToken is `trellis user token`: an API token for an account,
// issued by whoever runs Trellis's host, without the account's password
// (for scripts and integrations).
func runUserToken(ctx context.Context, args []string, io IO) error {
	fs := newFlagSet("user token", io.Stderr, "user token [--state-dir DIR | --database-url URL] [--name NAME] EMAIL")
	var sc StoreConfig
	sc.storeFlags(fs)
	name := fs.String("name", "cli", "what the token is for, e.g. nightly-report")
	pos, err := parseWithArgs(fs, args, io)
	if err != nil {
		return err
	}
	if len(pos) != 1 {
		return usageError{"give exactly one EMAIL"}
	}
	email, err := auth.NormalizeEmail(pos[0])
	if err != nil {
		return usageError{friendly(err).Error()}
	}
	db, err := openStore(ctx, sc)
	if err != nil {
		return err
	}
	defer db.Close()
	u, err := db.UserByEmail(ctx, email)
	if errors.Is(err, auth.ErrNotFound) {
		return fmt.Errorf("no account for %s (trellis user list shows them)", email)
	}
	if err != nil {
		return err
	}
	secret, _, err := auth.IssueToken(ctx, db, u.ID, *name, time.Now())
	if err != nil {
		return friendly(err)
	}
	fmt.Fprintln(io.Stdout, secret)
	return nil
}
