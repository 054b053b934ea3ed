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

// userCommands are the user subcommands, in the order help lists them.
var userCommands = []struct {
	name, summary string
	run           func(context.Context, []string, IO) error
}{
	{"add", "create an account (password from a prompt, or from stdin with --password-stdin)", runUserAdd},
	{"list", "list accounts, disabled ones marked", runUserList},
	{"token", "issue an API token for an account (90 days unless --ttl), printed once", runUserToken},
	{"tokens", "list an account's API tokens: created, last used, expiry, revoked", runUserTokens},
	{"disable", "disable an account: no sign-in, and its sessions and tokens end at once", runUserDisable},
	{"enable", "let a disabled account sign in again (its old tokens stay revoked)", runUserEnable},
	{"reset-password", "set a new password (generated and printed once, or from stdin) and end the sessions", runUserResetPassword},
	{"revoke", "end every session and API token of an account; it can sign in again", runUserRevoke},
}

// runUser is `trellis user add|list|token|tokens|disable|enable|reset-password|revoke`.
func runUser(ctx context.Context, args []string, io IO) error {
	var names []string
	for _, c := range userCommands {
		names = append(names, c.name)
	}
	want := strings.Join(names[:len(names)-1], ", ") + " or " + names[len(names)-1]
	if len(args) == 0 || args[0] == "-h" || args[0] == "--help" || args[0] == "help" {
		fmt.Fprintf(io.Stderr, "usage: trellis user %s [flags]\n\n", strings.Join(names, "|"))
		for _, c := range userCommands {
			fmt.Fprintf(io.Stderr, "  %-15s %s\n", c.name, c.summary)
		}
		fmt.Fprintln(io.Stderr, "\nRun trellis user <command> --help for its flags.")
		if len(args) == 0 {
			return usageError{"say which: " + want}
		}
		return flag.ErrHelp
	}
	for _, c := range userCommands {
		if c.name == args[0] {
			return c.run(ctx, args[1:], io)
		}
	}
	return usageError{fmt.Sprintf("unknown user command %q: want %s", args[0], want)}
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
	if err := auth.ValidatePassword(pw, email); err != nil {
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
	if err := auth.ValidatePassword(pw, email); err != nil {
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
	fmt.Fprintln(w, "EMAIL\tROLE\tTEAM\tCREATED\tSTATE\tID")
	for _, u := range users {
		team := u.TeamID
		if team == "" {
			team = "-"
		}
		state := "active"
		if u.Disabled() {
			state = "disabled " + u.DisabledAt.Local().Format(time.DateOnly)
		}
		fmt.Fprintf(w, "%s\t%s\t%s\t%s\t%s\t%s\n", u.Email, u.Role, team, u.CreatedAt.Format(time.DateOnly), state, u.ID)
	}
	return w.Flush()
}

// runUserToken is `trellis user token`: an API token for an account,
// issued by whoever runs Trellis's host, without the account's password
// (for scripts and integrations).
func runUserToken(ctx context.Context, args []string, io IO) error {
	fs := newFlagSet("user token", io.Stderr, "user token [--state-dir DIR | --database-url URL] [--name NAME] [--ttl 90d] EMAIL")
	var sc StoreConfig
	sc.storeFlags(fs)
	name := fs.String("name", "cli", "what the token is for, e.g. nightly-report")
	ttl := auth.DefaultTokenTTL
	fs.Var(durationValue{&ttl}, "ttl", "how long the token works, at most 366d")
	db, u, err := openUser(ctx, fs, &sc, args, io)
	if err != nil {
		return err
	}
	defer db.Close()
	if u.Disabled() {
		return fmt.Errorf("%s is disabled; enable it first (trellis user enable)", u.Email)
	}
	secret, _, err := auth.IssueToken(ctx, db, u.ID, *name, time.Now(), ttl)
	if err != nil {
		return friendly(err)
	}
	fmt.Fprintln(io.Stdout, secret)
	return nil
}

// openUser parses fs (store flags already added) with one EMAIL argument,
// opens the store and finds the account. The caller closes the store. It
// returns a usage error for a missing or malformed email, and an error
// naming the email when no account has it.
func openUser(ctx context.Context, fs *flag.FlagSet, sc *StoreConfig, args []string, io IO) (Store, *auth.User, error) {
	pos, err := parseWithArgs(fs, args, io)
	if err != nil {
		return nil, nil, err
	}
	if len(pos) != 1 {
		return nil, nil, usageError{"give exactly one EMAIL"}
	}
	email, err := auth.NormalizeEmail(pos[0])
	if err != nil {
		return nil, nil, usageError{friendly(err).Error()}
	}
	db, err := openStore(ctx, *sc)
	if err != nil {
		return nil, nil, err
	}
	u, err := db.UserByEmail(ctx, email)
	if errors.Is(err, auth.ErrNotFound) {
		db.Close()
		return nil, nil, fmt.Errorf("no account for %s (trellis user list shows them)", email)
	}
	if err != nil {
		db.Close()
		return nil, nil, err
	}
	return db, u, nil
}

// runUserTokens is `trellis user tokens`: an account's API tokens with
// when each was made, last used and expires, newest first.
func runUserTokens(ctx context.Context, args []string, io IO) error {
	fs := newFlagSet("user tokens", io.Stderr, "user tokens [--state-dir DIR | --database-url URL] EMAIL")
	var sc StoreConfig
	sc.storeFlags(fs)
	db, u, err := openUser(ctx, fs, &sc, args, io)
	if err != nil {
		return err
	}
	defer db.Close()
	toks, err := db.ListTokens(ctx, u.ID)
	if err != nil {
		return err
	}
	now := time.Now()
	w := tabwriter.NewWriter(io.Stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(w, "NAME\tCREATED\tLAST USED\tEXPIRES\tSTATE\tID")
	for _, t := range toks {
		used := "never"
		if !t.LastUsedAt.IsZero() {
			used = t.LastUsedAt.Local().Format("2006-01-02 15:04")
		}
		state := "works"
		switch {
		case !t.RevokedAt.IsZero():
			state = "revoked " + t.RevokedAt.Local().Format(time.DateOnly)
		case t.Expired(now):
			state = "expired"
		}
		fmt.Fprintf(w, "%s\t%s\t%s\t%s\t%s\t%s\n", t.Name, t.CreatedAt.Local().Format(time.DateOnly), used,
			t.ExpiresAt.Local().Format(time.DateOnly), state, t.ID)
	}
	return w.Flush()
}

// runUserDisable is `trellis user disable`.
func runUserDisable(ctx context.Context, args []string, io IO) error {
	fs := newFlagSet("user disable", io.Stderr, "user disable [--state-dir DIR | --database-url URL] EMAIL")
	var sc StoreConfig
	sc.storeFlags(fs)
	db, u, err := openUser(ctx, fs, &sc, args, io)
	if err != nil {
		return err
	}
	defer db.Close()
	r, err := auth.DisableUser(ctx, db, u.ID, time.Now())
	if err != nil {
		return err
	}
	fmt.Fprintf(io.Stdout, "disabled %s: ended %d sessions and revoked %d API tokens\n", u.Email, r.Sessions, r.Tokens)
	return nil
}

// runUserEnable is `trellis user enable`.
func runUserEnable(ctx context.Context, args []string, io IO) error {
	fs := newFlagSet("user enable", io.Stderr, "user enable [--state-dir DIR | --database-url URL] EMAIL")
	var sc StoreConfig
	sc.storeFlags(fs)
	db, u, err := openUser(ctx, fs, &sc, args, io)
	if err != nil {
		return err
	}
	defer db.Close()
	if !u.Disabled() {
		fmt.Fprintf(io.Stdout, "%s is not disabled\n", u.Email)
		return nil
	}
	if err := auth.EnableUser(ctx, db, u.ID); err != nil {
		return err
	}
	fmt.Fprintf(io.Stdout, "enabled %s: they can sign in again; their old API tokens stay revoked\n", u.Email)
	return nil
}

// runUserResetPassword is `trellis user reset-password`: a new password,
// generated and printed once or read from stdin, and the account's
// sessions ended.
func runUserResetPassword(ctx context.Context, args []string, io IO) error {
	fs := newFlagSet("user reset-password", io.Stderr, "user reset-password [--state-dir DIR | --database-url URL] [--password-stdin] EMAIL")
	var sc StoreConfig
	sc.storeFlags(fs)
	fromStdin := fs.Bool("password-stdin", false, "read the new password from the first line of standard input instead of generating one")
	db, u, err := openUser(ctx, fs, &sc, args, io)
	if err != nil {
		return err
	}
	defer db.Close()
	pw := auth.GeneratePassword()
	if *fromStdin {
		if pw, err = readPassword(io, true, u.Email); err != nil {
			return err
		}
	}
	if err := auth.ChangePassword(ctx, db, u.ID, pw); err != nil {
		return friendly(err)
	}
	if *fromStdin {
		fmt.Fprintf(io.Stdout, "reset the password of %s and ended their sessions\n", u.Email)
		return nil
	}
	fmt.Fprintf(io.Stderr, "reset the password of %s and ended their sessions; the new password, shown once:\n", u.Email)
	fmt.Fprintln(io.Stdout, pw)
	return nil
}

// runUserRevoke is `trellis user revoke`.
func runUserRevoke(ctx context.Context, args []string, io IO) error {
	fs := newFlagSet("user revoke", io.Stderr, "user revoke [--state-dir DIR | --database-url URL] EMAIL")
	var sc StoreConfig
	sc.storeFlags(fs)
	db, u, err := openUser(ctx, fs, &sc, args, io)
	if err != nil {
		return err
	}
	defer db.Close()
	r, err := auth.RevokeAccess(ctx, db, u.ID, time.Now())
	if err != nil {
		return err
	}
	fmt.Fprintf(io.Stdout, "revoked %s's access: ended %d sessions and revoked %d API tokens\n", u.Email, r.Sessions, r.Tokens)
	return nil
}
