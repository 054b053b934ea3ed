package webui

import (
	"html/template"
	"strconv"

	"trellis/internal/directory"
	"trellis/internal/match"
	"trellis/internal/present"
)

// Recovery meetings on the pages: the results and the kiosk show the
// meetings a search asks for above the services, the start page has a
// "meetings" tile, the visitor's list (printed or carried away by QR code)
// holds meetings beside services, and the workspace adds meetings to the
// list a peer takes away: meetings are anonymous, so nothing is referred.
// The cards are drawn by web/templates/meetings.html from the same views
// the API gives (present.MeetingView).

// meetingCard is a meeting on a page.
type meetingCard struct {
	// ID is the meeting's key, the value a list carries.
	ID   string
	Name string
	// Lang is the language of the feed's own text (the meeting's first
	// language, else English).
	Lang       string
	Fellowship string
	// When says when it next meets ("Today 7 PM, in 40 min");
	// InProgress marks one in progress.
	When       string
	InProgress bool
	Schedule   string
	Attendance string
	Distance   string
	Types      []string
	Location   string
	Address    string
	Directions string
	Region     string
	// LocationNotes and Notes are the feed's notes.
	LocationNotes string
	Notes         string
	Group         string
	Join          *present.JoinView
	Call          *meetingCall
	URL           string
	Entity        string
	Picked        bool
}

// meetingCall is a number to call in to a meeting.
type meetingCall struct {
	Phone   string
	CallURL template.URL
	Notes   string
}

// meetingsBlock is the meetings a search or a need found, or where to
// find them.
type meetingsBlock struct {
	Heading string
	// Note says what meetings are; None says why none are shown.
	Note  string
	None  string
	Cards []meetingCard
	// Shown says how many of how many are shown, when not all are.
	Shown string
	Help  *meetingsHelp
}

// meetingsHelp is where to find meetings the directory does not list:
// NoFinder says which fellowships asked it has no finder for; Note
// introduces the Links (and is empty without them).
type meetingsHelp struct {
	NoFinder string
	Note     string
	Links    []meetingsLink
	HelpLine *line
}

// meetingsLink is a fellowship's meeting finder or a phone line.
type meetingsLink struct {
	Name, URL, Call string
	CallURL         template.URL
}

// meetingCard renders a meeting view for a page.
func (w words) meetingCard(mv present.MeetingView, picked bool) meetingCard {
	c := meetingCard{ID: mv.ID, Name: mv.Name, Lang: "en", Schedule: mv.Schedule, Attendance: mv.AttendanceText,
		Location: mv.Location, Address: mv.Address, Directions: mv.DirectionsURL, Region: mv.Region,
		LocationNotes: mv.LocationNotes, Notes: mv.Notes, Group: mv.Group, Join: mv.Join, URL: webURL(mv.URL), Picked: picked}
	if len(mv.Languages) > 0 && validLanguageTag(mv.Languages[0]) {
		c.Lang = mv.Languages[0]
	}
	if mv.Fellowship != nil {
		c.Fellowship = mv.Fellowship.Name
	}
	if mv.Next != nil {
		c.When, c.InProgress = mv.Next.Text, mv.Next.InProgress
	} else {
		c.When = w.t("meeting.no_next")
	}
	if mv.Distance != nil {
		c.Distance = present.Away(mv.Distance.Text, w.lang)
	}
	for _, ty := range mv.Types {
		c.Types = append(c.Types, ty.Name)
	}
	if cv := mv.Call; cv != nil {
		c.Call = &meetingCall{Phone: cv.Phone, CallURL: template.URL(cv.CallURL), Notes: cv.Notes}
	}
	if e := mv.Entity; e != nil && e.Name != "" {
		c.Entity = w.t("meeting.listed_by", "entity", e.Name)
	}
	return c
}

// meetingsBlock renders a meeting answer for a page (nil for nil): the
// cards, ticked when on the visitor's list, or where to find meetings.
// shown, when not nil, collects the keys of the meetings shown.
func (u *UI) meetingsBlock(v present.Viewer, w words, a *match.MeetingAnswer, f form, shown map[string]bool) *meetingsBlock {
	if a == nil {
		return nil
	}
	b := &meetingsBlock{Heading: w.t("meeting.heading_none"), Note: w.t("meeting.about")}
	if len(a.Hits) > 0 {
		count := strconv.Itoa(a.Total)
		b.Heading = w.t("meeting.heading", "count", count)
		if len(a.Ask.Fellowships) == 1 && v.Catalog.Vocabulary != nil {
			if fw := v.Catalog.Vocabulary.Meetings.Fellowship(a.Ask.Fellowships[0]); fw != nil {
				b.Heading = w.t("meeting.heading_fellowship", "fellowship", fw.Name.In(w.lang), "count", count)
			}
		}
		if a.Total > len(a.Hits) {
			b.Shown = w.t("meeting.shown", "shown", strconv.Itoa(len(a.Hits)), "count", count)
		}
	}
	for _, h := range a.Hits {
		mv := v.Meeting(h.Meeting, h.Fellowship, h.Next, true, h.Distance)
		b.Cards = append(b.Cards, w.meetingCard(mv, f.picked(mv.ID)))
		if shown != nil {
			shown[mv.ID] = true
		}
	}
	if h := a.Help; h != nil {
		b.Note = ""
		b.None = w.t("meeting.none_fit")
		if a.Listed == 0 {
			b.None = w.t("meeting.none_listed")
		}
		b.Help = &meetingsHelp{NoFinder: v.MeetingsNoFinder(h.Unlinked), Note: h.Note.In(w.lang)}
		for _, l := range v.MeetingsLinks(h.Links) {
			b.Help.Links = append(b.Help.Links, meetingsLink{Name: l.Name, URL: l.URL, Call: l.Call, CallURL: template.URL(l.CallURL)})
		}
		if h.HelpLine != nil {
			b.Help.HelpLine = &lines(v.Lines([]directory.Line{*h.HelpLine}))[0]
		}
	}
	return b
}

// listMeeting renders a meeting on the visitor's list at its next time;
// mr reads its fellowship.
func listMeeting(v present.Viewer, w words, mr *match.Matcher, m *directory.Meeting) meetingCard {
	next, ok := m.Next(v.Now, v.Catalog.Info.TimeZone)
	return w.meetingCard(v.Meeting(m, mr.Fellowship(m), next, ok, nil), true)
}

// meetingArgs is what the meeting card template draws: the page, the card,
// a prefix that makes its ids unique on the page, its number, the level
// of its heading (3 under a results section, 5 in the workspace) and
// whether it is in the workspace, where it is added to the peer's list.
type meetingArgs struct {
	P         *page
	C         meetingCard
	ID        string
	H         int
	Workspace bool
}

// needMeetings is a need's meetings in the workspace: the block and the
// need's number, for unique ids.
type needMeetings struct {
	P *page
	M *meetingsBlock
	N int
}

func init() {
	funcs["meetingArgs"] = func(p *page, c meetingCard, prefix string, i, h int, ws bool) meetingArgs {
		return meetingArgs{P: p, C: c, ID: prefix + "-" + strconv.Itoa(i), H: h, Workspace: ws}
	}
	funcs["helpArgs"] = func(p *page, h *meetingsHelp) struct {
		P *page
		H *meetingsHelp
	} {
		return struct {
			P *page
			H *meetingsHelp
		}{p, h}
	}
	funcs["needMeetings"] = func(p *page, m *meetingsBlock, n int) needMeetings { return needMeetings{P: p, M: m, N: n} }
	icons["meetings"] = template.HTML(`<svg class="icon" viewBox="0 0 24 24" aria-hidden="true" focusable="false" fill="none" stroke="currentColor" stroke-width="1.8" stroke-linecap="round" stroke-linejoin="round">` +
		// three people in a circle
		`<circle cx="12" cy="5" r="2"/><circle cx="5" cy="15" r="2"/><circle cx="19" cy="15" r="2"/><path d="M9 10.5a3 3 0 0 1 6 0M2 21a3 3 0 0 1 6 0M16 21a3 3 0 0 1 6 0M8 8.5 6 12M16 8.5l2 3.5M8.5 17.5h7"/></svg>`)
}

// MeetingTile returns the start page's meetings tile: the words it
// searches for in the page's language, and its icon.
func (p *page) MeetingTile() tile {
	return tile{ID: p.T("meeting.tile_query"), Label: p.T("meeting.tile"), Text: p.T("meeting.tile_text"), Icon: icons["meetings"]}
}
