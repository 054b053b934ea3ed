package hsds

// This file defines the two taxonomies Trellis exports its own facts in,
// and the import rules that read them back, so that a Trellis export
// imports into Trellis without a mapping file:
//
//   - "Trellis needs": one term per category of taxonomy.yaml, its code the
//     category id ("housing.emergency-shelter"), children pointing to
//     their parent.
//   - "Trellis eligibility and access": the facts HSDS has no field for,
//     coded "<kind>:<value>": gender:female, population:veterans,
//     focus:lgbtq, insurance:medicaid, apply:walk-in, cost:sliding-scale,
//     and "capacity", whose attribute value is the service's capacity
//     notes.

import (
	"slices"
	"strings"

	"trellis/internal/directory"
)

// The names of the taxonomies Trellis exports.
const (
	NeedsTaxonomy = "Trellis needs"
	FactsTaxonomy = "Trellis eligibility and access"
)

// factTerm is a term of FactsTaxonomy.
type factTerm struct {
	Code, Name, Description string
	// set applies the term to import effects; nil for terms that carry
	// their meaning in the attribute value (capacity).
	set func(e *Effects)
}

// Codes of FactsTaxonomy terms whose meaning is in the attribute value.
const capacityCode = "capacity"

// factTerms returns every term of FactsTaxonomy, in a fixed order.
func factTerms() []factTerm {
	var out []factTerm
	for _, g := range directory.Genders {
		out = append(out, factTerm{"gender:" + g, "Serves only this gender: " + g,
			"The service serves people of this gender (and of the other genders coded on the same service) only.",
			func(e *Effects) { e.Genders = union(e.Genders, []string{g}) }})
	}
	for _, p := range directory.Populations {
		out = append(out, factTerm{"population:" + p, "Restricted to this population: " + p,
			"The service serves only people in this population, or in another population coded on the same service.",
			func(e *Effects) { e.Populations = union(e.Populations, []string{p}) }})
	}
	for _, p := range directory.Populations {
		out = append(out, factTerm{"focus:" + p, "Made for this population: " + p,
			"The service is made for this population without turning others away.",
			func(e *Effects) { e.Focus = union(e.Focus, []string{p}) }})
	}
	for _, p := range directory.InsurancePlans {
		name, desc := "Accepts insurance: "+p, "The service accepts this insurance plan."
		if p == directory.InsuranceNone {
			name, desc = "Serves uninsured people", "The service serves people without insurance (self-pay or charity care)."
		}
		out = append(out, factTerm{"insurance:" + p, name, desc,
			func(e *Effects) { e.Insurance = union(e.Insurance, []string{p}) }})
	}
	for _, a := range directory.ApplyMethods {
		out = append(out, factTerm{"apply:" + a, "Way to apply: " + a, "People get the service this way.",
			func(e *Effects) { e.Apply = union(e.Apply, []string{a}) }})
	}
	for _, c := range directory.CostKinds {
		out = append(out, factTerm{"cost:" + string(c), "Cost: " + string(c), "What the service costs, in general; fees_description says more.",
			func(e *Effects) {
				if e.Cost == "" {
					e.Cost = string(c)
				}
			}})
	}
	out = append(out, factTerm{capacityCode, "Capacity", "The attribute's value is the service's capacity notes (beds, slots, waiting list).", nil})
	return out
}

// trellisRules returns import rules for the terms of the two Trellis
// taxonomies: a needs term whose code is a category in categories sets
// that category, and each fact term sets its fact. Terms these rules do
// not know (a category this data directory does not have) stay unmapped
// and are reported.
func trellisRules(categories map[string]bool) []*Rule {
	var rules []*Rule
	ids := make([]string, 0, len(categories))
	for id := range categories {
		ids = append(ids, id)
	}
	slices.Sort(ids)
	for _, id := range ids {
		rules = append(rules, &Rule{Taxonomy: NeedsTaxonomy, Code: id, Set: Effects{Categories: []string{id}}})
	}
	for _, t := range factTerms() {
		r := &Rule{Taxonomy: FactsTaxonomy, Code: t.Code}
		if t.set == nil {
			r.Ignore = true
		} else {
			t.set(&r.Set)
		}
		rules = append(rules, r)
	}
	return rules
}

// isTrellisTaxonomy reports whether name is one of the Trellis taxonomies.
func isTrellisTaxonomy(name string) bool {
	return strings.EqualFold(name, NeedsTaxonomy) || strings.EqualFold(name, FactsTaxonomy)
}
