package app

import (
	"encoding/json"
	"fmt"
	"io"
	"path/filepath"
	"sort"
	"strings"

	"trellis/internal/listings"
)

// Output formats of the commands that report problems in files.
const (
	formatText   = "text"
	formatJSON   = "json"
	formatGitHub = "github"
)

// finding is one problem (an error) or one thing to look at (a warning)
// in a data file, as `trellis validate` and `trellis fmt` report it.
type finding struct {
	Severity string     `json:"severity"` // "error" or "warning"
	Code     string     `json:"code"`
	Path     string     `json:"path"`
	Line     int        `json:"line"`
	Col      int        `json:"col"`
	Message  string     `json:"message"`
	Related  []position `json:"related,omitempty"`
}

// position is another place a finding is about.
type position struct {
	Path string `json:"path"`
	Line int    `json:"line"`
	Col  int    `json:"col"`
}

// codeInvalid is the code of every data error: the file breaks the format.
const codeInvalid = "invalid"

// underDir returns the data-directory-relative path p as a path under dir,
// with forward slashes, so that it opens from where the command ran.
func underDir(dir, p string) string {
	return filepath.ToSlash(filepath.Join(dir, filepath.FromSlash(p)))
}

// errorFinding turns a data error into a finding with its path under dir.
func errorFinding(dir string, e listings.Error) finding {
	return finding{Severity: "error", Code: codeInvalid, Path: underDir(dir, e.Path), Line: e.Line, Col: e.Col, Message: e.Msg}
}

// warningFinding turns a Lint warning into a finding with its paths under
// dir.
func warningFinding(dir string, w listings.Warning) finding {
	f := finding{Severity: "warning", Code: w.Code, Path: underDir(dir, w.Path), Line: w.Line, Col: w.Col, Message: w.Msg}
	for _, r := range w.Related {
		f.Related = append(f.Related, position{Path: underDir(dir, r.Path), Line: r.Line, Col: r.Col})
	}
	return f
}

// text returns the message followed by " (see path:line:col)" for each
// related place.
func (f finding) text() string {
	s := f.Message
	for _, r := range f.Related {
		s += " (see " + finding{Path: r.Path, Line: r.Line, Col: r.Col}.where() + ")"
	}
	return s
}

// where returns "path:line:col", or "path" when the line is unknown.
func (f finding) where() string {
	if f.Line == 0 {
		return f.Path
	}
	return fmt.Sprintf("%s:%d:%d", f.Path, f.Line, f.Col)
}

// writeFindings writes fs to w in format: text is one line each,
// "path:line:col: error: message" or "path:line:col: warning: message
// [code]", the form editors and compilers use; json is one array of
// finding objects; github is GitHub Actions workflow commands, which show
// as annotations on the lines of a pull request.
func writeFindings(w io.Writer, format string, fs []finding) error {
	var err error
	switch format {
	case formatJSON:
		if fs == nil {
			fs = []finding{}
		}
		enc := json.NewEncoder(w)
		enc.SetIndent("", "  ")
		enc.SetEscapeHTML(false)
		err = enc.Encode(fs)
	case formatGitHub:
		for _, f := range fs {
			props := []string{"file=" + escapeProperty(f.Path)}
			if f.Line > 0 {
				props = append(props, fmt.Sprintf("line=%d", f.Line), fmt.Sprintf("col=%d", f.Col))
			}
			props = append(props, "title="+escapeProperty("trellis: "+f.Code))
			if _, err = fmt.Fprintf(w, "::%s %s::%s\n", f.Severity, strings.Join(props, ","), escapeData(f.text())); err != nil {
				break
			}
		}
	default:
		for _, f := range fs {
			line := fmt.Sprintf("%s: %s: %s", f.where(), f.Severity, f.text())
			if f.Severity == "warning" {
				line += " [" + f.Code + "]"
			}
			if _, err = fmt.Fprintln(w, line); err != nil {
				break
			}
		}
	}
	if err != nil {
		return fmt.Errorf("write report: %w", err)
	}
	return nil
}

// escapeData escapes a workflow command's message: %, CR and LF.
func escapeData(s string) string {
	return strings.NewReplacer("%", "%25", "\r", "%0D", "\n", "%0A").Replace(s)
}

// escapeProperty escapes a workflow command's property value: as
// escapeData, and also ":" and ",".
func escapeProperty(s string) string {
	return strings.NewReplacer("%", "%25", "\r", "%0D", "\n", "%0A", ":", "%3A", ",", "%2C").Replace(s)
}

// summary counts findings for the closing line on stderr: "2 errors, 5
// warnings (3 stale, 2 unverified) in 4 files".
func summary(fs []finding) string {
	errs, warns := 0, 0
	codes := map[string]int{}
	files := map[string]bool{}
	for _, f := range fs {
		files[f.Path] = true
		if f.Severity == "error" {
			errs++
			continue
		}
		warns++
		codes[f.Code]++
	}
	names := make([]string, 0, len(codes))
	for c := range codes {
		names = append(names, c)
	}
	sort.Strings(names)
	var parts []string
	for _, c := range names {
		parts = append(parts, fmt.Sprintf("%d %s", codes[c], c))
	}
	s := fmt.Sprintf("%d %s, %d %s", errs, plural(errs, "error", "errors"), warns, plural(warns, "warning", "warnings"))
	if len(parts) > 0 {
		s += " (" + strings.Join(parts, ", ") + ")"
	}
	return s + fmt.Sprintf(" in %d %s", len(files), plural(len(files), "file", "files"))
}
