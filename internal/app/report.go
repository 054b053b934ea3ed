package app

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"slices"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"go.yaml.in/yaml/v3"

	"trellis/internal/directory"
	"trellis/internal/geo"
	"trellis/internal/listings"
	"trellis/internal/needs"
	"trellis/internal/referral"
	"trellis/internal/report"
)

// runReport dispatches `trellis report <name>`.
func runReport(ctx context.Context, args []string, io IO) error {
	const usage = "usage: trellis report unmet-needs|referrals [flags]\n\nreports (whole weeks that have ended; counts under 5 shown as \"fewer than 5\"):\n" +
		"  unmet-needs   searches that found nothing, by category, area or week\n" +
		"  referrals     referral outcomes by week and status, closed-loop share, time to the agency's answer, by agency and need"
	if len(args) == 0 || args[0] == "-h" || args[0] == "--help" {
		fmt.Fprintln(io.Stderr, usage)
		if len(args) == 0 {
			return usageError{"report needs a name"}
		}
		return nil
	}
	switch args[0] {
	case "unmet-needs":
		return runUnmetNeeds(ctx, args[1:], io)
	case "referrals":
		return runReferralReport(ctx, args[1:], io)
	default:
		return usageError{fmt.Sprintf("unknown report %q: want unmet-needs or referrals", args[0])}
	}
}

// reportWeeks reads --from and --to into the whole weeks they cover, cut
// at the last week that ended before today in the directory's time zone.
// It returns a usage error naming the flag.
func reportWeeks(from, to string, cat *directory.Catalog) (report.Range, error) {
	var f, t time.Time
	for _, d := range []struct {
		name, v string
		dst     *time.Time
	}{{"--from", from, &f}, {"--to", to, &t}} {
		if d.v == "" {
			continue
		}
		day, err := needs.ParseDay(d.v)
		if err != nil {
			return report.Range{}, usageError{fmt.Sprintf("%s: %v", d.name, err)}
		}
		*d.dst = day
	}
	var loc *time.Location
	if cat != nil {
		loc = cat.Info.TimeZone
	}
	r, err := report.Weeks(f, t, report.Day(time.Now(), loc), report.DefaultWeeks)
	var re *report.RangeError
	if errors.As(err, &re) {
		return report.Range{}, usageError{"--" + re.Field + " " + re.Msg}
	}
	return r, err
}

// runUnmetNeeds prints the unmet-needs report from the database the
// server counts into.
func runUnmetNeeds(ctx context.Context, args []string, io IO) error {
	flags := newFlagSet("report", io.Stderr, "report unmet-needs [--from DATE] [--to DATE] [--by category|area|category,area|week] [--channel public|specialist|api] [--format text|json|csv] [--state-dir DIR | --database-url URL]")
	var sc StoreConfig
	sc.storeFlags(flags)
	from := flags.String("from", "", "a day in the first week counted, YYYY-MM-DD (default: 12 weeks before --to)")
	to := flags.String("to", "", "a day in the last week counted, YYYY-MM-DD (default: the last week that has ended)")
	by := flags.String("by", needs.ByCategory, "grouping: category, area, category,area or week")
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
	if !slices.Contains(needs.AllGroupings, *by) {
		return usageError{fmt.Sprintf("--by %q: want category, area, category,area or week", *by)}
	}
	if *channel != "" && !slices.Contains(needs.Channels, needs.Channel(*channel)) {
		return usageError{fmt.Sprintf("--channel %q: want public, specialist or api", *channel)}
	}
	cat, labels := reportData(*data)
	r, err := reportWeeks(*from, *to, cat)
	if err != nil {
		return err
	}
	db, err := openStore(ctx, sc)
	if err != nil {
		return err
	}
	defer db.Close()
	rep, err := needs.BuildReport(ctx, db, needs.ReportQuery{From: r.From, To: r.To, By: *by, Channel: needs.Channel(*channel)}, labels)
	if err != nil {
		return err
	}
	switch *format {
	case formatJSON:
		enc := json.NewEncoder(io.Stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(rep)
	case "csv":
		return rep.WriteCSV(io.Stdout)
	}
	return writeNeedsText(io.Stdout, rep)
}

// runReferralReport prints the referral outcome report, every team's.
func runReferralReport(ctx context.Context, args []string, io IO) error {
	flags := newFlagSet("report", io.Stderr, "report referrals [--from DATE] [--to DATE] [--team TEAM] [--format text|json|csv] [--table weeks|agencies|needs] [--state-dir DIR | --database-url URL]")
	var sc StoreConfig
	sc.storeFlags(flags)
	from := flags.String("from", "", "a day in the first week counted, YYYY-MM-DD (default: 12 weeks before --to)")
	to := flags.String("to", "", "a day in the last week counted, YYYY-MM-DD (default: the last week that has ended)")
	team := flags.String("team", "", "only this team's referrals")
	format := flags.String("format", formatText, "output: text (the tables), json or csv (one table)")
	table := flags.String("table", report.TableWeeks, "with --format csv, the table: weeks, agencies or needs")
	data := flags.String("data", defaultDataDir, "data directory whose listings and taxonomy name the agencies and needs")
	if err := parse(flags, args, io); err != nil {
		return err
	}
	if flags.NArg() > 0 {
		return usageError{fmt.Sprintf("unexpected argument %q", flags.Arg(0))}
	}
	if !slices.Contains([]string{formatText, formatJSON, "csv"}, *format) {
		return usageError{fmt.Sprintf("--format %q: want text, json or csv", *format)}
	}
	if !slices.Contains(report.Tables, *table) {
		return usageError{fmt.Sprintf("--table %q: want weeks, agencies or needs", *table)}
	}
	cat, _ := reportData(*data)
	r, err := reportWeeks(*from, *to, cat)
	if err != nil {
		return err
	}
	db, err := openStore(ctx, sc)
	if err != nil {
		return err
	}
	defer db.Close()
	var loc *time.Location
	if cat != nil {
		loc = cat.Info.TimeZone
	}
	outs, err := db.Outcomes(ctx, referral.OutcomeFilter{Since: r.Start(loc), Until: r.End(loc), Team: *team})
	if err != nil {
		return err
	}
	rep := report.BuildReferrals(outs, r, loc, report.ScopeAll, report.CatalogLabels(cat, "en"))
	switch *format {
	case formatJSON:
		enc := json.NewEncoder(io.Stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(rep)
	case "csv":
		return rep.WriteCSV(io.Stdout, *table)
	}
	return writeReferralsText(io.Stdout, rep)
}

// reportData loads the data directory dir (or the embedded copy for the
// default) for a report's names and time zone; without it the report
// shows ids and counts weeks in UTC.
func reportData(dir string) (*directory.Catalog, needs.Labels) {
	src, err := openData(dir)
	if err != nil {
		return nil, needs.Labels{}
	}
	cat, gaz, errs, err := loadCatalog(src, time.Now(), nil)
	if err != nil || len(errs) > 0 {
		return nil, reportLabels(dir)
	}
	return cat, needs.CatalogLabels(cat, gaz, "en")
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
	pct := func(f *float64) string {
		if f == nil {
			return "-"
		}
		return strconv.FormatFloat(100**f, 'f', 0, 64) + "%"
	}
	nums := func(l needs.Line) []string {
		return []string{l.Searches.String(), l.Found.String(), l.Unmet.String(), pct(l.UnmetShare)}
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
	case needs.ByWeek:
		return []string{"WEEK OF", "SEARCHES", "FOUND", "UNMET", "UNMET %"}, func(l needs.Line) []string {
			return append([]string{l.Week}, nums(l)...)
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
	if rep.Total.Searches.N == 0 && rep.Total.Searches.Shown() {
		_, err := fmt.Fprintln(w, "No searches were counted in these weeks.")
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
	if err := tw.Flush(); err != nil {
		return err
	}
	_, err := fmt.Fprintf(w, "\nCounts under %d show as %q; %q marks counts hidden so that a total cannot give one back.\n", report.Threshold, report.FewerThan, report.WithheldText)
	return err
}

// writeReferralsText writes the referral report's tables.
func writeReferralsText(w io.Writer, rep report.Referrals) error {
	fmt.Fprintf(w, "Referrals %s to %s (%d %s, %s)\n\n", rep.From, rep.To, rep.Weeks, plural(rep.Weeks, "week", "weeks"), rep.Scope)
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	head := []string{"WEEK OF"}
	for _, st := range rep.Statuses {
		head = append(head, strings.ToUpper(strings.ReplaceAll(string(st), "_", " ")))
	}
	fmt.Fprintln(tw, strings.Join(append(head, "TOTAL"), "\t"))
	line := func(first string, cs []report.Cell, total report.Cell) {
		parts := []string{first}
		for _, c := range cs {
			parts = append(parts, c.String())
		}
		fmt.Fprintln(tw, strings.Join(append(parts, total.String()), "\t"))
	}
	for _, wk := range rep.ByWeek {
		line(wk.Week, wk.Counts, wk.Total)
	}
	line("total", rep.StatusTotals, rep.Total)
	fmt.Fprintln(tw)
	hours := func(f *float64) string {
		if f == nil {
			return "-"
		}
		return strconv.FormatFloat(*f, 'f', 1, 64) + " h"
	}
	share := func(f *float64) string {
		if f == nil {
			return "-"
		}
		return strconv.FormatFloat(100**f, 'f', 0, 64) + "%"
	}
	for _, t := range []struct {
		name string
		gs   []report.Group
	}{{"AGENCY", rep.ByAgency}, {"NEED", rep.ByNeed}} {
		fmt.Fprintln(tw, t.name+"\tREFERRALS\tCLOSED\tNOT CLOSED\tCANCELLED\tCLOSED LOOP\tMEDIAN TO ANSWER\tP90 TO ANSWER")
		for _, g := range t.gs {
			fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n", clip(g.Label, 40), g.Referrals, g.Closed, g.NotClosed, g.Cancelled, share(g.Share), hours(g.MedianHours), hours(g.P90Hours))
		}
		fmt.Fprintf(tw, "total\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n\n", rep.Total, rep.Loop.Closed, rep.Loop.NotClosed, rep.Loop.Cancelled, share(rep.Loop.Share), hours(rep.Answer.MedianHours), hours(rep.Answer.P90Hours))
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	_, err := fmt.Fprintf(w, "Counts under %d show as %q; %q marks counts hidden so that a total cannot give one back; times need %d answers.\n", report.Threshold, report.FewerThan, report.WithheldText, report.Threshold)
	return err
}
