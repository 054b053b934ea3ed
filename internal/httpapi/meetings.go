package httpapi

import (
	"trellis/internal/apperr"
	"trellis/internal/directory"
	"trellis/internal/match"
	"trellis/internal/need"
	"trellis/internal/present"
)

// Recovery meetings in the answers of GET /api/v1/search and POST
// /api/v1/match: when the words (or, for search, the meeting parameters)
// ask for a meeting, the answer carries "meetings" beside the services.

// meetingFilter reads the meeting parameters: fellowship ids, Meeting
// Guide type codes (each required), attendance (online or in_person) and
// no_transport. A fellowship or code the directory does not know is a 400
// naming the parameter.
func meetingFilter(p *params, cat *directory.Catalog) match.MeetingFilter {
	f := match.MeetingFilter{Fellowships: p.list("fellowship"), Types: p.list("meeting_type"),
		Attendance: p.oneOf("attendance", match.AttendOnline, match.AttendInPerson), NoTransport: p.boolean("no_transport")}
	if err := f.Check(cat); err != nil {
		ae := apperr.As(err)
		p.fail(ae.Field, "%s", ae.Message)
	}
	return f
}

// meetingsView is the meetings found for a search or a need.
type meetingsView struct {
	// Asked is what was asked of a meeting: the words and parameters
	// together.
	Asked need.MeetingAsk `json:"asked"`
	// Listed counts the meetings the directory lists (0: no area feed is
	// imported); Total those that fit.
	Listed  int              `json:"listed"`
	Total   int              `json:"total"`
	Results []meetingHitView `json:"results"`
	// Help says where to find meetings when none fit.
	Help *meetingsHelpView `json:"help,omitempty"`
}

type meetingHitView struct {
	present.MeetingView
	Score float64            `json:"score"`
	Parts match.MeetingParts `json:"score_parts"`
}

// meetingsHelpView is where to find meetings: NoFinder says which
// fellowships asked the directory has no finder for; Note introduces the
// links (omitted without them).
type meetingsHelpView struct {
	NoFinder string                     `json:"no_finder,omitempty"`
	Note     string                     `json:"note,omitempty"`
	Links    []present.MeetingsLinkView `json:"links"`
	HelpLine *present.LineView          `json:"help_line,omitempty"`
}

// meetingsViewOf renders a meeting answer; nil for nil.
func meetingsViewOf(v present.Viewer, a *match.MeetingAnswer) *meetingsView {
	if a == nil {
		return nil
	}
	out := &meetingsView{Asked: a.Ask, Listed: a.Listed, Total: a.Total, Results: make([]meetingHitView, 0, len(a.Hits))}
	for _, h := range a.Hits {
		out.Results = append(out.Results, meetingHitView{MeetingView: v.Meeting(h.Meeting, h.Fellowship, h.Next, true, h.Distance),
			Score: h.Score, Parts: h.Parts})
	}
	if h := a.Help; h != nil {
		out.Help = &meetingsHelpView{NoFinder: v.MeetingsNoFinder(h.Unlinked), Note: h.Note.In(v.Lang), Links: v.MeetingsLinks(h.Links)}
		if h.HelpLine != nil {
			l := v.Lines([]directory.Line{*h.HelpLine})[0]
			out.Help.HelpLine = &l
		}
	}
	return out
}
