package listings

import (
	"slices"
	"strings"
	"testing"
	"testing/fstest"
)

// TestBrokenMeetingSettings loads testdata/meetings/badsettings: the
// meeting words of vocabulary.yaml and the meetings_help of
// directory.yaml with one mistake of each kind, in one run.
func TestBrokenMeetingSettings(t *testing.T) {
	checkErrorCasesFS(t, meetingFS(t, "testdata/meetings/badsettings"), "testdata/meetings/badsettings", []errorCase{
		{
			name: "directory",
			file: "directory.yaml",
			want: []string{
				`4:34: unknown language "fr" in note (the directory's languages are en, es)`,
				`9:19: "Not A Slug" is not a slug: use lowercase letters and digits joined by single hyphens, e.g. "not-a-slug"`,
				`11:12: "ftp://example.org/" is not a web address: write an absolute http(s) URL, e.g. https://example.org/`,
				// na has no words, so the vocabulary does not name it.
				`12:19: unknown fellowship "xa" (vocabulary.yaml names aa under meetings.fellowships)`,
				`15:7: a meetings link needs "url" (a web address) or "call" (a phone number)`,
				`15:7: name needs "es" text`,
			},
		},
		{
			name: "vocabulary",
			file: "vocabulary.yaml",
			want: []string{
				`2:25: "Meetings" in meetings.words must be lowercase`,
				`7:11: duplicate fellowship id "aa" (first at line 4)`,
				`10:7: missing required key "words": the words that name the fellowship`,
				`11:7: name needs "es" text`,
				`12:11: "Bad Id" is not a slug: use lowercase letters and digits joined by single hyphens, e.g. "bad-id"`,
				`16:18: "NOPE" is not a Meeting Guide type code (the codes are the keys of meetingguide/types.json)`,
				`18:7: "codes" needs at least one Meeting Guide type code`,
				`20:7: missing required key "words"`,
				`21:12: unknown language "de" in meetings.online (the directory's languages are en, es)`,
			},
		},
	})
}

// TestMeetingSettingsLoad: the bundled data's meeting words and help load
// into the catalog.
func TestMeetingSettingsLoad(t *testing.T) {
	cat := mustLoadMeetings(t, "../../data", nil)
	w := cat.Vocabulary.Meetings
	if f := w.Fellowship("na"); f == nil || f.Name.In("es") != "Narcóticos Anónimos" || !slices.Contains(f.Words["en"], "narcotics anonymous") {
		t.Errorf("fellowship na = %+v", f)
	}
	if !slices.Contains(w.Ask["es"], "reunion") || !slices.Contains(w.Online["en"], "zoom") {
		t.Errorf("meeting words = %+v, online = %+v", w.Ask, w.Online)
	}
	h := cat.Info.MeetingsHelp
	if h == nil || len(h.Links) == 0 {
		t.Fatalf("meetings_help = %+v", h)
	}
	if got := h.For([]string{"na"}); len(got) != 1 || got[0].Fellowship != "na" {
		t.Errorf("help for na = %+v", got)
	}
	if got := h.For(nil); len(got) != len(h.Links) {
		t.Errorf("help for any fellowship = %d links, want all %d", len(got), len(h.Links))
	}
}

// TestMeetingsHelpWithoutVocabulary: without vocabulary.yaml no
// fellowship is known, and meetings_help's links load unchecked against
// it; with a vocabulary that names none, a link's fellowship is an error.
func TestMeetingsHelpWithoutVocabulary(t *testing.T) {
	fsys := minimalData()
	fsys["directory.yaml"].Data = append(fsys["directory.yaml"].Data,
		[]byte("meetings_help:\n  links:\n    - {fellowship: aa, name: {en: AA, es: AA}, url: \"https://aa.example.org/\"}\n")...)
	cat, errs, err := Load(fsys, Options{Now: testNow})
	if err != nil || len(errs) > 0 || cat == nil {
		t.Fatalf("without vocabulary.yaml: %v %v", err, errs)
	}
	if links := cat.Info.MeetingsHelp.For([]string{"aa"}); len(links) != 1 || links[0].URL != "https://aa.example.org/" {
		t.Errorf("links = %+v", links)
	}
	fsys["vocabulary.yaml"] = &fstest.MapFile{Data: []byte("urgent: {en: [now]}\n")}
	_, errs, err = Load(fsys, Options{Now: testNow})
	if err != nil || len(errs) != 1 || !strings.Contains(errs[0].Error(), `directory.yaml:5:20: unknown fellowship "aa" (vocabulary.yaml names none`) {
		t.Errorf("with a vocabulary naming no fellowship: %v %v", err, errs)
	}
}
