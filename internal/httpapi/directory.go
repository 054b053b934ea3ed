package httpapi

import (
	"net/http"

	"github.com/labstack/echo/v4"

	"trellis/internal/i18n"
	"trellis/internal/present"
)

// service answers GET /api/v1/services/{id}: one service with its
// locations, hours, open state, eligibility and service area.
func (s *API) service(c echo.Context) error {
	snap, err := s.snapshot()
	if err != nil {
		return err
	}
	p, err := newParams(c, "lang", "units")
	if err != nil {
		return err
	}
	lang := s.lang(c, p)
	if err := p.check(); err != nil {
		return err
	}
	svc := snap.Catalog.Service(c.Param("id"))
	if svc == nil {
		return errNotFound("service", c.Param("id"))
	}
	v := present.Viewer{Catalog: snap.Catalog, Lang: lang, Now: s.now(), Unit: "mi"}
	return c.JSON(http.StatusOK, v.Detail(svc))
}

// organization answers GET /api/v1/organizations/{id}.
func (s *API) organization(c echo.Context) error {
	snap, err := s.snapshot()
	if err != nil {
		return err
	}
	p, err := newParams(c, "lang")
	if err != nil {
		return err
	}
	lang := s.lang(c, p)
	if err := p.check(); err != nil {
		return err
	}
	org := snap.Catalog.Organization(c.Param("id"))
	if org == nil {
		return errNotFound("organization", c.Param("id"))
	}
	v := present.Viewer{Catalog: snap.Catalog, Lang: lang, Now: s.now(), Unit: "mi"}
	return c.JSON(http.StatusOK, v.Organization(org))
}

// taxonomyCategory is one category in GET /api/v1/taxonomy.
type taxonomyCategory struct {
	ID          string              `json:"id"`
	Label       string              `json:"label"`
	Labels      map[string]string   `json:"labels"`
	Description string              `json:"description,omitempty"`
	Synonyms    map[string][]string `json:"synonyms,omitempty"`
	Children    []taxonomyCategory  `json:"children,omitempty"`
}

// taxonomy answers GET /api/v1/taxonomy: the needs categories with labels
// in every language and the label in the request's language.
func (s *API) taxonomy(c echo.Context) error {
	snap, err := s.snapshot()
	if err != nil {
		return err
	}
	p, err := newParams(c, "lang")
	if err != nil {
		return err
	}
	lang := s.lang(c, p)
	if err := p.check(); err != nil {
		return err
	}
	roots := snap.Catalog.Taxonomy.Roots
	out := struct {
		Lang       string             `json:"lang"`
		Languages  []string           `json:"languages"`
		Categories []taxonomyCategory `json:"categories"`
	}{Lang: lang, Languages: i18n.Default.Languages(), Categories: make([]taxonomyCategory, 0, len(roots))}
	for _, r := range roots {
		tc := taxonomyCategory{ID: r.ID, Label: r.Label.In(lang), Labels: r.Label, Description: r.Description.In(lang), Synonyms: r.Synonyms}
		for _, ch := range r.Children {
			tc.Children = append(tc.Children, taxonomyCategory{ID: ch.ID, Label: ch.Label.In(lang), Labels: ch.Label,
				Description: ch.Description.In(lang), Synonyms: ch.Synonyms})
		}
		out.Categories = append(out.Categories, tc)
	}
	return c.JSON(http.StatusOK, out)
}
