package app

import (
	"context"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"io/fs"
	"slices"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"go.yaml.in/yaml/v3"

	"trellis/internal/geo"
	"trellis/internal/listings"
	"trellis/internal/needs"
)

// runReport dispatches `trellis report <name>`.
func runReport(ctx context.Context, args []string, io IO) error {
	if len(args) == 0 || args[0] == "-h" || args[0] == "--help" {
		fmt.Fprintln(io.Stderr, "usage: trellis report unmet-needs [flags]\n\nreports:\n  unmet-needs   searches that found nothing, by category and area, for a date range")
		if len(args) == 0 {
			return usageError{"report needs a name"}
		}
		return nil
	}
	switch args[0] {
	case "unmet-needs":
		return runUnmetNeeds(ctx, args[1:], io)
	default:
		return usageError{fmt.Sprintf("unknown report %q: want unmet-needs", args[0])}
	}
}

// runUnmetNeeds prints the unmet-needs report from the database the
// server counts into.
func runUnmetNeeds(ctx context.Context, args []string, io IO) error {
	flags := newFlagSet("report", io.Stderr, "report unmet-needs [--from DATE] [--to DATE] [--by category|area|category,area] [--channel public|specialist|api] [--format text|json|csv] [--state-dir DIR | --database-url URL]")
	var sc StoreConfig
	sc.storeFlags(flags)
	from := flags.String("from", "", "first day counted, YYYY-MM-DD (default: 29 days before --to)")
	to := flags.String("to", "", "last day counted, YYYY-MM-DD (default: today, local time)")
	by := flags.String("by", needs.ByCategory, "grouping: category, area or category,area")
	channel := flags.String("channel", "", "only searches from public (anonymous), specialist or api (other signed-in clients)")
	format := flags.String("format", formatText, "output: text (a table), json or csv")
	data := flags.String("data", defaultDataDir, "data directory whose taxonomy and gazetteer name the categories and counties")
	if err := parse(flags, args, io); err != nil {
		return err
	}
	if flags.NArg() > 0 {
		return usageError{fmt.Sprintf("unexpected argument %q", flags.Arg(0))}
	}
	if !slices.Contains([]string{formatText, formatJSON, "csv"}, *format) {
		return usageError{fmt.Sprintf("--format %q: want text, json or csv", *format)}
	}
	q := needs.ReportQuery{By: *by, Channel: needs.Channel(*channel), To: needs.Date(time.Now())}
	for _, d := range []struct {
		name, v string
		dst     *time.Time
	}{{"--from", *from, &q.From}, {"--to", *to, &q.To}} {
		if d.v == "" {
			continue
		}
		t, err := needs.ParseDay(d.v)
		if err != nil {
			return usageError{fmt.Sprintf("%s: %v", d.name, err)}
		}
		*d.dst = t
	}
	if q.From.IsZero() {
		q.From = q.To.AddDate(0, 0, -29)
	}
	if !slices.Contains(needs.Groupings, q.By) {
		return usageError{fmt.Sprintf("--by %q: want category, area or category,area", q.By)}
	}
	if q.Channel != "" && !slices.Contains(needs.Channels, q.Channel) {
		return usageError{fmt.Sprintf("--channel %q: want public, specialist or api", q.Channel)}
	}
	if q.To.Before(q.From) {
		return usageError{fmt.Sprintf("--to %s is before --from %s", q.To.Format(time.DateOnly), q.From.Format(time.DateOnly))}
	}
	labels := reportLabels(*data)
	db, err := openStore(ctx, sc)
	if err != nil {
		return err
	}
	defer db.Close()
	rep, err := needs.BuildReport(ctx, db, q, labels)
	if err != nil {
		return err
	}
	switch *format {
	case formatJSON:
		enc := json.NewEncoder(io.Stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(rep)
	case "csv":
		return writeNeedsCSV(io.Stdout, rep)
	}
	return writeNeedsText(io.Stdout, rep)
}

// reportLabels names categories and counties from the data directory dir
// (or the embedded copy for the default); without it the report shows
// ids and codes.
func reportLabels(dir string) needs.Labels {
	src, err := openData(dir)
	if err != nil {
		return needs.Labels{}
	}
	var l needs.Labels
	if gaz, err := geo.Load(src.FS); err == nil {
		l.County = func(fips string) string {
			if c, ok := gaz.CountyByFIPS(fips); ok {
				return geo.CountyLabel(c)
			}
			return ""
		}
	}
	if b, err := fs.ReadFile(src.FS, listings.TaxonomyPath); err == nil {
		var tf listings.TaxonomyFile
		if yaml.Unmarshal(b, &tf) == nil {
			names := map[string]string{}
			for _, c := range tf.Categories {
				names[c.ID] = c.Label["en"]
				for _, ch := range c.Children {
					names[c.ID+"."+ch.ID] = ch.Label["en"]
				}
			}
			l.Category = func(id string) string { return names[id] }
		}
	}
	return l
}

// needsColumns are the report's columns for its grouping.
func needsColumns(rep needs.Report) (head []string, row func(needs.Line) []string) {
	pct := func(f float64) string { return strconv.FormatFloat(100*f, 'f', 0, 64) + "%" }
	nums := func(l needs.Line) []string {
		return []string{strconv.FormatInt(l.Searches, 10), strconv.FormatInt(l.Found, 10), strconv.FormatInt(l.Unmet, 10), pct(l.UnmetShare)}
	}
	switch rep.By {
	case needs.ByArea:
		return []string{"AREA", "SEARCHES", "FOUND", "UNMET", "UNMET %"}, func(l needs.Line) []string {
			return append([]string{l.AreaLabel}, nums(l)...)
		}
	case needs.ByCategoryArea:
		return []string{"CATEGORY", "AREA", "SEARCHES", "FOUND", "UNMET", "UNMET %"}, func(l needs.Line) []string {
			return append([]string{l.CategoryLabel, l.AreaLabel}, nums(l)...)
		}
	}
	return []string{"CATEGORY", "SEARCHES", "FOUND", "UNMET", "UNMET %"}, func(l needs.Line) []string {
		return append([]string{l.CategoryLabel}, nums(l)...)
	}
}

func writeNeedsText(w io.Writer, rep needs.Report) error {
	channel := "all channels"
	if rep.Channel != "" {
		channel = rep.Channel + " searches"
	}
	fmt.Fprintf(w, "Unmet needs %s to %s by %s (%s)\n\n", rep.From, rep.To, rep.By, channel)
	if len(rep.Rows) == 0 {
		_, err := fmt.Fprintln(w, "No searches were counted in these days.")
		return err
	}
	head, row := needsColumns(rep)
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, strings.Join(head, "\t"))
	for _, l := range rep.Rows {
		fmt.Fprintln(tw, strings.Join(row(l), "\t"))
	}
	total := row(rep.Total)
	total[0] = "total"
	for i := 1; i < len(head)-4; i++ {
		total[i] = ""
	}
	fmt.Fprintln(tw, strings.Join(total, "\t"))
	return tw.Flush()
}

func writeNeedsCSV(w io.Writer, rep needs.Report) error {
	cw := csv.NewWriter(w)
	cw.Write([]string{"from", "to", "category", "category_label", "area", "area_label", "searches", "found", "unmet", "unmet_share"})
	for _, l := range rep.Rows {
		cw.Write([]string{rep.From, rep.To, l.Category, l.CategoryLabel, l.Area, l.AreaLabel, strconv.FormatInt(l.Searches, 10),
			strconv.FormatInt(l.Found, 10), strconv.FormatInt(l.Unmet, 10), strconv.FormatFloat(l.UnmetShare, 'f', 4, 64)})
	}
	cw.Flush()
	return cw.Error()
}
