package httpapi_test

import (
	"encoding/json"
	"strings"
	"testing"
)

// matchBody is the part of POST /api/v1/match's answer the tests read.
type matchBody struct {
	Needs []struct {
		Need   string `json:"need"`
		ReadAs struct {
			Categories []struct {
				ID    string `json:"id"`
				Label string `json:"label"`
			} `json:"categories"`
			Urgent bool `json:"urgent"`
		} `json:"read_as"`
		Results []struct {
			Service struct {
				ID string `json:"id"`
			} `json:"service"`
			Score   float64 `json:"score"`
			Reasons []struct {
				Code string `json:"code"`
				Text string `json:"text"`
			} `json:"reasons"`
		} `json:"results"`
		Excluded []struct {
			Service struct {
				ID string `json:"id"`
			} `json:"service"`
			Reasons []struct {
				Code string `json:"code"`
				Text string `json:"text"`
			} `json:"reasons"`
		} `json:"excluded"`
		ExcludedCounts map[string]int `json:"excluded_counts"`
	} `json:"needs"`
	Screening []struct {
		Category string `json:"category"`
	} `json:"screening"`
	Lang string `json:"lang"`
}

// TestMatchMinimalRequest sends the request as written.
func TestMatchMinimalRequest(t *testing.T) {
	e := newEnv(t)
	var out matchBody
	e.call(anon, "POST", "/api/v1/match", `{"needs": ["a bed tonight", "help with drinking"], "near": "20002",
		"person": {"age": 45, "gender": "male", "veteran": true, "insurance": ["medicaid"]}}`, 200, &out)
	if len(out.Needs) != 2 {
		t.Fatalf("%d needs, want 2", len(out.Needs))
	}
	bed := out.Needs[0]
	if bed.Need != "a bed tonight" || len(bed.ReadAs.Categories) != 1 || bed.ReadAs.Categories[0].ID != "housing.emergency-shelter" ||
		bed.ReadAs.Categories[0].Label != "Emergency shelter" || !bed.ReadAs.Urgent {
		t.Errorf("bed need read as %+v", bed.ReadAs)
	}
	if len(bed.Results) == 0 || bed.Results[0].Service.ID != "north-shelter.beds" {
		t.Fatalf("bed results %+v, want the men's shelter first", bed.Results)
	}
	for _, r := range bed.Results {
		if len(r.Reasons) == 0 {
			t.Errorf("%s has no reasons", r.Service.ID)
		}
	}
	women := false
	for _, x := range bed.Excluded {
		if x.Service.ID == "womens-shelter.beds" {
			women = len(x.Reasons) == 1 && x.Reasons[0].Code == "gender" && x.Reasons[0].Text == "Women only"
		}
	}
	if !women || bed.ExcludedCounts["gender"] != 1 {
		t.Errorf("the women's shelter is not excluded as women only: %+v %v", bed.Excluded, bed.ExcludedCounts)
	}
	if out.Needs[1].Results == nil || out.Needs[1].Excluded == nil {
		t.Error("results and excluded must be lists, even empty")
	}
}

func TestMatchSpanishAndScreening(t *testing.T) {
	e := newEnv(t)
	var out matchBody
	e.call(anon, "POST", "/api/v1/match", map[string]any{
		"needs": []string{"comida"}, "near": "20001", "lang": "es",
		"screening": map[string][]string{"living-situation": {"not-steady"}, "food-worry": {"often"}},
	}, 200, &out)
	if out.Lang != "es" || len(out.Needs) != 3 {
		t.Fatalf("lang %q, %d needs, want es and 3 (1 given, 2 from screening)", out.Lang, len(out.Needs))
	}
	if len(out.Screening) != 2 || out.Screening[0].Category != "housing.emergency-shelter" || out.Screening[1].Category != "food" {
		t.Errorf("screening %+v", out.Screening)
	}
	if got := out.Needs[0].ReadAs.Categories; len(got) != 1 || got[0].Label != "Comida" {
		t.Errorf("comida read as %+v", got)
	}
	found := false
	for _, r := range out.Needs[0].Results {
		for _, rs := range r.Reasons {
			found = found || strings.HasPrefix(rs.Text, "a ") && strings.HasSuffix(rs.Text, " mi")
		}
	}
	if !found {
		t.Errorf("no Spanish distance reason: %+v", out.Needs[0].Results)
	}
}

func TestScreeningQuestions(t *testing.T) {
	e := newEnv(t)
	var out struct {
		Lang      string `json:"lang"`
		Questions []struct {
			ID      string            `json:"id"`
			Label   string            `json:"label"`
			Text    map[string]string `json:"text"`
			Options []struct {
				ID string `json:"id"`
			} `json:"options"`
		} `json:"questions"`
	}
	e.call(anon, "GET", "/api/v1/screening?lang=es", nil, 200, &out)
	if out.Lang != "es" || len(out.Questions) != 10 {
		t.Fatalf("lang %q with %d questions", out.Lang, len(out.Questions))
	}
	q := out.Questions[0]
	if q.ID != "living-situation" || q.Label != q.Text["es"] || q.Text["en"] != "What is your living situation today?" || len(q.Options) != 3 {
		t.Errorf("first question %+v", q)
	}
	e.call(anon, "GET", "/api/v1/screening?answers=1", nil, 400, nil)
}

// TestMatchBadRequests checks that bad input is a 400 or 422 naming the
// field, never a 500.
func TestMatchBadRequests(t *testing.T) {
	e := newEnv(t)
	tests := []struct {
		name   string
		body   string
		status int
		field  string
	}{
		{"unknown field", `{"needs": ["food"], "zip": "20001"}`, 400, "zip"},
		{"unknown person field", `{"needs": ["food"], "person": {"name": "Ana"}}`, 400, "person.name"},
		{"needs not a list", `{"needs": "food"}`, 400, "needs"},
		{"no needs", `{"near": "20001"}`, 400, "needs"},
		{"empty need", `{"needs": [" "]}`, 400, "needs.0"},
		{"age a string", `{"needs": ["food"], "person": {"age": "old"}}`, 400, "person.age"},
		{"age out of range", `{"needs": ["food"], "person": {"age": 200}}`, 400, "person.age"},
		{"gender", `{"needs": ["food"], "person": {"gender": "robot"}}`, 400, "person.gender"},
		{"insurance", `{"needs": ["food"], "person": {"insurance": ["gold"]}}`, 400, "person.insurance.0"},
		{"circumstance", `{"needs": ["food"], "person": {"circumstances": ["astronaut"]}}`, 400, "person.circumstances.0"},
		{"bad place", `{"needs": ["food"], "near": "nowhere"}`, 400, "near"},
		{"unknown ZIP", `{"needs": ["food"], "near": "00000"}`, 422, "near"},
		{"travel without unit", `{"needs": ["food"], "near": "20001", "travel": "5"}`, 400, "travel"},
		{"travel without place", `{"needs": ["food"], "travel": "5mi"}`, 400, "travel"},
		{"open at", `{"needs": ["food"], "constraints": {"open_at": "soon"}}`, 400, "constraints.open_at"},
		{"open now and at", `{"needs": ["food"], "constraints": {"open_now": true, "open_at": "2026-11-22T19:00"}}`, 400, "constraints.open_at"},
		{"time", `{"needs": ["food"], "time": "yesterday"}`, 400, "time"},
		{"lang", `{"needs": ["food"], "lang": "fr"}`, 400, "lang"},
		{"units", `{"needs": ["food"], "units": "furlongs"}`, 400, "units"},
		{"limit", `{"needs": ["food"], "limit": 1000}`, 400, "limit"},
		{"screening question", `{"screening": {"income": ["yes"]}}`, 400, "screening.income"},
		{"screening answer", `{"screening": {"transportation": ["maybe"]}}`, 400, "screening.transportation"},
		{"not json", `needs: food`, 400, ""},
		{"too many needs", `{"needs": ["a","b","c","d","e","f","g","h","i","j","k"]}`, 400, "needs"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			resp := e.do(request{method: "POST", path: "/api/v1/match", body: tt.body})
			if resp.status != tt.status {
				t.Fatalf("status %d, want %d: %s", resp.status, tt.status, resp.body)
			}
			var env struct {
				Error struct {
					Field string `json:"field"`
				} `json:"error"`
			}
			if err := json.Unmarshal(resp.body, &env); err != nil {
				t.Fatalf("not the error envelope: %s", resp.body)
			}
			if env.Error.Field != tt.field {
				t.Errorf("field %q, want %q: %s", env.Error.Field, tt.field, resp.body)
			}
		})
	}
}

// TestSearchCircumstancesAndReasons checks the search's eligibility
// parameter and the reasons on each result.
func TestSearchCircumstancesAndReasons(t *testing.T) {
	e := newEnv(t)
	var out struct {
		Results []struct {
			Service struct {
				ID string `json:"id"`
			} `json:"service"`
			Reasons []struct {
				Code string `json:"code"`
				Text string `json:"text"`
			} `json:"reasons"`
		} `json:"results"`
	}
	e.call(anon, "GET", "/api/v1/search?q=shelter&near=20001&age=45&gender=male&veteran=false&circumstances=children", nil, 200, &out)
	ids := map[string]bool{}
	for _, r := range out.Results {
		ids[r.Service.ID] = true
		if len(r.Reasons) == 0 {
			t.Errorf("%s has no reasons", r.Service.ID)
		}
	}
	if !ids["north-shelter.beds"] || ids["womens-shelter.beds"] || ids["vets-house.housing"] {
		t.Errorf("results %v: want the men's shelter, not the women's or the veterans' house", ids)
	}
	if ids["safe-haven.dv-shelter"] != true {
		t.Errorf("the DV shelter, for a population people may not disclose, was dropped: %v", ids)
	}
	resp := e.do(request{method: "GET", path: "/api/v1/search?q=shelter&circumstances=astronaut"})
	if resp.status != 400 || !strings.Contains(string(resp.body), `"field":"circumstances"`) {
		t.Errorf("unknown circumstance: %d %s", resp.status, resp.body)
	}
}
