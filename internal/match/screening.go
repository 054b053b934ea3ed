package match

import (
	"fmt"
	"sort"

	"trellis/internal/apperr"
	"trellis/internal/directory"
)

// The screening questions are the ten core questions of the Accountable
// Health Communities (AHC) Health-Related Social Needs Screening Tool of the
// Centers for Medicare & Medicaid Services (CMS Innovation Center, 2017;
// A. Billioux, K. Verlander, S. Anthony, D. Alley, "Standardized Screening
// for Health-Related Social Needs in Clinical Settings: The Accountable
// Health Communities Screening Tool", NAM Perspectives, 2017; the tool is a
// US government work). Five domains: living situation (2 questions), food
// (2), transportation (1), utilities (1) and safety (4). The English
// wording follows the tool; the Spanish is Trellis's own translation, made
// to be faithful and plain, not CMS's.
//
// Answers are turned into needs for the match and are neither stored nor
// logged. The positive-screen rules are the tool's: a living situation
// other than steady, any housing problem, "often" or "sometimes true" for
// either food question, "yes" for transportation, a threatened or actual
// shut-off for utilities, and a safety total of 11 or more (each answer
// scored 1 "never" to 5 "frequently").

// Question is one screening question.
type Question struct {
	ID     string         `json:"id"`
	Domain string         `json:"domain"`
	Text   directory.Text `json:"text"`
	// Multiple is true when several options may be chosen.
	Multiple bool     `json:"multiple,omitempty"`
	Options  []Option `json:"options"`
}

// Option is one answer to a question.
type Option struct {
	ID   string         `json:"id"`
	Text directory.Text `json:"text"`
	// Score is the option's points on the safety questions.
	Score int `json:"score,omitempty"`
}

// The screening domains.
const (
	DomainHousing        = "housing"
	DomainFood           = "food"
	DomainTransportation = "transportation"
	DomainUtilities      = "utilities"
	DomainSafety         = "safety"
)

// safetyThreshold is the total of the four safety answers at or above
// which the tool screens positive for interpersonal safety.
const safetyThreshold = 11

func t(en, es string) directory.Text { return directory.Text{"en": en, "es": es} }

var truth = []Option{
	{ID: "often", Text: t("Often true", "Con frecuencia es cierto")},
	{ID: "sometimes", Text: t("Sometimes true", "A veces es cierto")},
	{ID: "never", Text: t("Never true", "Nunca es cierto")},
}

var yesNo = []Option{
	{ID: "yes", Text: t("Yes", "Sí")},
	{ID: "no", Text: t("No", "No")},
}

var frequency = []Option{
	{ID: "never", Text: t("Never", "Nunca"), Score: 1},
	{ID: "rarely", Text: t("Rarely", "Rara vez"), Score: 2},
	{ID: "sometimes", Text: t("Sometimes", "A veces"), Score: 3},
	{ID: "fairly-often", Text: t("Fairly often", "Con bastante frecuencia"), Score: 4},
	{ID: "frequently", Text: t("Frequently", "Frecuentemente"), Score: 5},
}

var questions = []Question{
	{ID: "living-situation", Domain: DomainHousing,
		Text: t("What is your living situation today?", "¿Cuál es su situación de vivienda hoy?"),
		Options: []Option{
			{ID: "steady", Text: t("I have a steady place to live", "Tengo un lugar estable donde vivir")},
			{ID: "worried", Text: t("I have a place to live today, but I am worried about losing it in the future",
				"Hoy tengo un lugar donde vivir, pero me preocupa perderlo en el futuro")},
			{ID: "not-steady", Text: t("I do not have a steady place to live (I am temporarily staying with others, in a hotel, in a shelter, living outside on the street, on a beach, in a car, abandoned building, bus or train station, or in a park)",
				"No tengo un lugar estable donde vivir (me quedo temporalmente con otras personas, en un hotel, en un albergue, vivo afuera en la calle, en una playa, en un carro, en un edificio abandonado, en una estación de autobús o de tren, o en un parque)")},
		}},
	{ID: "housing-problems", Domain: DomainHousing, Multiple: true,
		Text: t("Think about the place you live. Do you have problems with any of the following?",
			"Piense en el lugar donde vive. ¿Tiene problemas con alguna de las siguientes cosas?"),
		Options: []Option{
			{ID: "pests", Text: t("Pests such as bugs, ants, or mice", "Plagas como insectos, hormigas o ratones")},
			{ID: "mold", Text: t("Mold", "Moho")},
			{ID: "lead", Text: t("Lead paint or pipes", "Pintura o tuberías con plomo")},
			{ID: "heat", Text: t("Lack of heat", "Falta de calefacción")},
			{ID: "stove", Text: t("Oven or stove not working", "El horno o la estufa no funcionan")},
			{ID: "smoke-detectors", Text: t("Smoke detectors missing or not working", "Detectores de humo que faltan o no funcionan")},
			{ID: "water-leaks", Text: t("Water leaks", "Goteras o fugas de agua")},
			{ID: "none", Text: t("None of the above", "Ninguna de las anteriores")},
		}},
	{ID: "food-worry", Domain: DomainFood,
		Text: t("Within the past 12 months, you worried that your food would run out before you got money to buy more.",
			"En los últimos 12 meses, le preocupó que la comida se acabara antes de tener dinero para comprar más."),
		Options: truth},
	{ID: "food-ran-out", Domain: DomainFood,
		Text: t("Within the past 12 months, the food you bought just didn't last and you didn't have money to get more.",
			"En los últimos 12 meses, la comida que compró no alcanzó y no tenía dinero para conseguir más."),
		Options: truth},
	{ID: "transportation", Domain: DomainTransportation,
		Text: t("In the past 12 months, has lack of reliable transportation kept you from medical appointments, meetings, work or from getting things needed for daily living?",
			"En los últimos 12 meses, ¿la falta de transporte confiable le ha impedido ir a citas médicas, reuniones o al trabajo, o conseguir lo necesario para la vida diaria?"),
		Options: yesNo},
	{ID: "utilities", Domain: DomainUtilities,
		Text: t("In the past 12 months has the electric, gas, oil, or water company threatened to shut off services in your home?",
			"En los últimos 12 meses, ¿la compañía de electricidad, gas, petróleo o agua ha amenazado con cortar el servicio en su casa?"),
		Options: []Option{
			{ID: "yes", Text: t("Yes", "Sí")},
			{ID: "no", Text: t("No", "No")},
			{ID: "already-shut-off", Text: t("Already shut off", "Ya lo cortaron")},
		}},
	{ID: "safety-hurt", Domain: DomainSafety,
		Text:    t("How often does anyone, including family and friends, physically hurt you?", "¿Con qué frecuencia alguien, incluidos familiares y amigos, le hace daño físico?"),
		Options: frequency},
	{ID: "safety-insult", Domain: DomainSafety,
		Text:    t("How often does anyone, including family and friends, insult or talk down to you?", "¿Con qué frecuencia alguien, incluidos familiares y amigos, le insulta o le habla con desprecio?"),
		Options: frequency},
	{ID: "safety-threaten", Domain: DomainSafety,
		Text:    t("How often does anyone, including family and friends, threaten you with harm?", "¿Con qué frecuencia alguien, incluidos familiares y amigos, le amenaza con hacerle daño?"),
		Options: frequency},
	{ID: "safety-scream", Domain: DomainSafety,
		Text:    t("How often does anyone, including family and friends, scream or curse at you?", "¿Con qué frecuencia alguien, incluidos familiares y amigos, le grita o le insulta con groserías?"),
		Options: frequency},
}

// Questions returns the screening questions in the tool's order. The
// caller must not modify them.
func Questions() []Question { return questions }

// ScreenedNeed is a need a screening found, with the questions that found
// it.
type ScreenedNeed struct {
	Domain   string
	Category string
	Because  []string
}

// Screen turns screening answers (question id -> chosen option ids; one
// option unless the question takes several) into needs, in the tool's
// domain order, one per category. Unanswered questions find nothing. It
// returns an *apperr.Error naming "screening.<question>" for an unknown
// question or option, several options to a single-choice question, or
// "none" together with a problem.
func Screen(answers map[string][]string) ([]ScreenedNeed, error) {
	byID := map[string]*Question{}
	for i := range questions {
		byID[questions[i].ID] = &questions[i]
	}
	ids := make([]string, 0, len(answers))
	for id := range answers {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	for _, id := range ids {
		q := byID[id]
		field := "screening." + id
		if q == nil {
			return nil, apperr.Field(field, "unknown screening question %q; GET /api/v1/screening lists them", id)
		}
		got := answers[id]
		if len(got) > 1 && !q.Multiple {
			return nil, apperr.Field(field, "question %q takes one answer, not %d", id, len(got))
		}
		for _, a := range got {
			ok := false
			for _, o := range q.Options {
				ok = ok || o.ID == a
			}
			if !ok {
				return nil, apperr.Field(field, "%q is not an answer to %q", a, id)
			}
		}
		if q.Multiple && len(got) > 1 && contains(got, "none") {
			return nil, apperr.Field(field, "\"none\" cannot go with other answers")
		}
	}
	var out []ScreenedNeed
	add := func(domain, category, because string) {
		for i := range out {
			if out[i].Category == category {
				if !contains(out[i].Because, because) {
					out[i].Because = append(out[i].Because, because)
				}
				return
			}
		}
		out = append(out, ScreenedNeed{Domain: domain, Category: category, Because: []string{because}})
	}
	one := func(id string) string {
		if a := answers[id]; len(a) == 1 {
			return a[0]
		}
		return ""
	}
	switch one("living-situation") {
	case "not-steady":
		add(DomainHousing, "housing.emergency-shelter", "living-situation")
	case "worried":
		add(DomainHousing, "housing.rent-assistance", "living-situation")
	}
	for _, a := range answers["housing-problems"] {
		switch a {
		case "none":
		case "heat":
			add(DomainHousing, "housing.utilities", "housing-problems")
			add(DomainHousing, "legal.legal-aid", "housing-problems")
		default:
			// Pests, mold, lead, a broken stove, smoke detectors and leaks
			// are the landlord's to fix: tenant legal aid.
			add(DomainHousing, "legal.legal-aid", "housing-problems")
		}
	}
	for _, id := range []string{"food-worry", "food-ran-out"} {
		if a := one(id); a == "often" || a == "sometimes" {
			add(DomainFood, "food", id)
		}
	}
	if one("transportation") == "yes" {
		add(DomainTransportation, "transportation", "transportation")
	}
	if a := one("utilities"); a == "yes" || a == "already-shut-off" {
		add(DomainUtilities, "housing.utilities", "utilities")
	}
	total := 0
	for _, q := range questions {
		if q.Domain != DomainSafety {
			continue
		}
		for _, o := range q.Options {
			if o.ID == one(q.ID) {
				total += o.Score
			}
		}
	}
	if total >= safetyThreshold {
		add(DomainSafety, "crisis.domestic-violence", fmt.Sprintf("safety (total %d of 20)", total))
	}
	return out, nil
}
