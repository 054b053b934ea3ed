package httpapi_test

import (
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"trellis/internal/app/apptest"
)

// startBundled serves the API over the repository's bundled DC data.
func startBundled(t *testing.T) string {
	t.Helper()
	return apptest.Start(t, apptest.Options{DataDir: "../../data", Now: func() time.Time { return now }, NoDB: true}).URL
}

// wordsAnswer is what these tests read of GET /api/v1/search.
type wordsAnswer struct {
	Query struct {
		Corrections map[string]string `json:"corrections"`
		ReadAs      struct {
			Categories []struct{ ID string } `json:"categories"`
			Who        []string              `json:"who"`
			Crisis     []string              `json:"crisis"`
		} `json:"read_as"`
	} `json:"query"`
	Crisis []struct {
		Call, CallURL string
		TextURL       string `json:"text_url"`
	} `json:"crisis"`
	Widened *struct {
		From []struct{ ID string } `json:"from"`
		To   []struct{ ID string } `json:"to"`
		Why  string                `json:"why"`
	} `json:"widened"`
	Total   int `json:"total"`
	Results []struct {
		Service struct {
			ID         string                `json:"id"`
			Categories []struct{ ID string } `json:"categories"`
		} `json:"service"`
		Distance *struct{ Meters float64 } `json:"distance"`
	} `json:"results"`
}

func searchWords(t *testing.T, base string, q url.Values) wordsAnswer {
	t.Helper()
	resp, err := http.Get(base + "/api/v1/search?" + q.Encode())
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var a wordsAnswer
	if resp.StatusCode != 200 {
		t.Fatalf("%s: status %d", q.Encode(), resp.StatusCode)
	}
	if err := json.NewDecoder(resp.Body).Decode(&a); err != nil {
		t.Fatal(err)
	}
	return a
}

func hasCategory(cats []struct{ ID string }, prefix string) bool {
	for _, c := range cats {
		if c.ID == prefix || strings.HasPrefix(c.ID, prefix+".") {
			return true
		}
	}
	return false
}

// TestNeedsReadOnBundledData is the list of dead ends, tried as a
// new user would near 20001 and 20002 on the bundled data.
func TestNeedsReadOnBundledData(t *testing.T) {
	base := startBundled(t)
	t.Run("detox widens to nearby treatment and says so", func(t *testing.T) {
		a := searchWords(t, base, url.Values{"q": {"detox"}, "near": {"20002"}})
		if a.Widened == nil || len(a.Widened.To) != 1 || a.Widened.To[0].ID != "substance-use" || !strings.Contains(a.Widened.Why, "Showing substance use treatment nearby") {
			t.Fatalf("widened %+v", a.Widened)
		}
		near := 0
		for _, r := range a.Results {
			if hasCategory(r.Service.Categories, "substance-use") && r.Distance != nil && r.Distance.Meters < 3000 {
				near++
			}
		}
		if near < 5 {
			t.Errorf("%d substance use services within 3 km among the first %d", near, len(a.Results))
		}
	})
	t.Run("i relapsed is not corrected and finds treatment", func(t *testing.T) {
		a := searchWords(t, base, url.Values{"q": {"i relapsed"}, "near": {"20002"}})
		if len(a.Query.Corrections) > 0 || a.Total == 0 || !hasCategory(a.Results[0].Service.Categories, "substance-use") {
			t.Errorf("corrections %v, total %d", a.Query.Corrections, a.Total)
		}
	})
	t.Run("AA meeting finds no HIV clinic in the top 3", func(t *testing.T) {
		a := searchWords(t, base, url.Values{"q": {"AA meeting"}, "near": {"20002"}})
		if len(a.Query.Corrections) > 0 || len(a.Results) < 3 {
			t.Fatalf("corrections %v, %d results", a.Query.Corrections, len(a.Results))
		}
		for _, r := range a.Results[:3] {
			if hasCategory(r.Service.Categories, "healthcare.hiv-sti") && !hasCategory(r.Service.Categories, "mental-health") {
				t.Errorf("%s is an HIV clinic", r.Service.ID)
			}
		}
	})
	for _, lang := range []string{"en", "es"} {
		t.Run("suicide answers 988 first, "+lang, func(t *testing.T) {
			q := "suicide"
			if lang == "es" {
				q = "quiero morir"
			}
			a := searchWords(t, base, url.Values{"q": {q}, "near": {"20001"}, "lang": {lang}})
			if len(a.Crisis) == 0 || a.Crisis[0].Call != "988" || a.Crisis[0].TextURL != "sms:988" {
				t.Errorf("crisis %+v", a.Crisis)
			}
			if a.Total == 0 {
				t.Error("no results follow the crisis lines")
			}
		})
	}
	t.Run("abuse adds the domestic violence hotline", func(t *testing.T) {
		a := searchWords(t, base, url.Values{"q": {"my boyfriend hits me"}, "near": {"20001"}})
		found := false
		for _, l := range a.Crisis {
			found = found || l.Call == "800-799-7233"
		}
		if !found {
			t.Errorf("crisis %+v", a.Crisis)
		}
	})
	t.Run("a population word is a preference, not ignored", func(t *testing.T) {
		a := searchWords(t, base, url.Values{"q": {"lgbtq"}, "near": {"20001"}})
		if len(a.Query.ReadAs.Who) != 1 || a.Query.ReadAs.Who[0] != "lgbtq" || a.Total == 0 {
			t.Errorf("who %v, total %d", a.Query.ReadAs.Who, a.Total)
		}
	})
	t.Run("a need without a place is ordered from the directory's centre", func(t *testing.T) {
		a := searchWords(t, base, url.Values{"category": {"housing.emergency-shelter"}})
		if a.Total == 0 || a.Results[0].Service.ID == "" {
			t.Fatal("no results")
		}
		alpha := searchWords(t, base, url.Values{"category": {"housing.emergency-shelter"}, "sort": {"name"}})
		if a.Results[0].Service.ID == alpha.Results[0].Service.ID && a.Results[1].Service.ID == alpha.Results[1].Service.ID {
			t.Errorf("ordered alphabetically: %s, %s", a.Results[0].Service.ID, a.Results[1].Service.ID)
		}
	})
	t.Run("out-of-season markets rank below food that is open", func(t *testing.T) {
		a := searchWords(t, base, url.Values{"q": {"food"}, "near": {"20001"}, "per_page": {"10"}, "open_at": {"2026-12-03T12:00"}})
		markets := 0
		for _, r := range a.Results {
			if hasCategory(r.Service.Categories, "food.farmers-market") {
				markets++
			}
		}
		if markets > 2 {
			t.Errorf("%d farmers markets among the first 10 food results in December", markets)
		}
	})
}
