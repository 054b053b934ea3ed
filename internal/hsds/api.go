package hsds

import (
	"encoding/json"
	"fmt"
	"slices"
)

// APIPrefix is where Trellis serves the HSDS API.
const APIPrefix = "/hsds"

// Params lists, by HSDS API path, the query parameters Trellis's /hsds/
// API takes. They are the specification's, less minimal (ids only), and
// with postcode and proximity also on /services.
var Params = map[string][]string{
	"/":                          nil,
	"/openapi.json":              nil,
	"/services":                  {"search", "page", "per_page", "format", "taxonomy_term_id", "taxonomy_id", "organization_id", "modified_after", "full", "postcode", "proximity"},
	"/services/{id}":             nil,
	"/organizations":             {"search", "full_service", "full", "page", "per_page", "format"},
	"/organizations/{id}":        {"full_service"},
	"/taxonomies":                {"search", "page", "per_page", "format"},
	"/taxonomies/{id}":           nil,
	"/taxonomy_terms":            {"search", "page", "per_page", "format", "taxonomy_id", "top_only", "parent_id"},
	"/taxonomy_terms/{id}":       nil,
	"/service_at_locations":      {"search", "taxonomy_term_id", "taxonomy_id", "organization_id", "modified_after", "full", "page", "per_page", "format", "postcode", "proximity"},
	"/service_at_locations/{id}": nil,
}

// APIDocument returns the OpenAPI document of Trellis's /hsds/ API: the
// specification's openapi.json with Trellis's info, the server /hsds,
// only the parameters in Params (postcode and proximity added to
// /services), the /openapi.json path itself, and a 400 answer (Trellis's
// error envelope) on every operation with parameters. It returns an error
// only if the embedded document cannot be parsed.
func APIDocument(version string) ([]byte, error) {
	var doc map[string]any
	if err := json.Unmarshal(SpecOpenAPI, &doc); err != nil {
		return nil, fmt.Errorf("hsds: embedded openapi.json: %w", err)
	}
	doc["info"] = map[string]any{
		"title":   "Trellis HSDS API",
		"version": version,
		"summary": "The Trellis directory as Open Referral HSDS " + Version + ".",
		"description": "Read-only HSDS " + Version + " API over the directory Trellis serves. Query parameters " +
			"combine with AND; unknown or malformed parameters are a 400 with the error envelope " +
			"{\"error\": {\"code\", \"message\", \"field\"}}. Confidential locations are never listed. " +
			"Opening times are local time in the directory's time zone. taxonomy_term_id also matches the " +
			"term's children; search is the directory's full-text search (plain words, English or Spanish, " +
			"at most the 10,000 best-matching locations); postcode keeps services whose service area covers the ZIP " +
			"code (or that set none), proximity (meters, with postcode) those delivered within that distance " +
			"of the ZIP code's centre, or without a location and covering it; top_only keeps terms without a parent. " +
			"Derived from the HSDS API reference: Human Services Data Specification, an Open Referral resource " +
			"(https://openreferral.org/), CC BY-SA 4.0.",
		"license": map[string]any{"name": "CC BY-SA 4.0 (this document, derived from the HSDS API reference)",
			"url": "https://creativecommons.org/licenses/by-sa/4.0/"},
	}
	doc["servers"] = []any{map[string]any{"url": APIPrefix}}
	comps, _ := doc["components"].(map[string]any)
	params, _ := comps["parameters"].(map[string]any)
	paths, _ := doc["paths"].(map[string]any)
	for path, item := range paths {
		ops, _ := item.(map[string]any)
		get, _ := ops["get"].(map[string]any)
		if get == nil {
			continue
		}
		allowed := Params[path]
		var kept []any
		list, _ := get["parameters"].([]any)
		if path == "/services" {
			list = append(list, map[string]any{"$ref": "#/components/parameters/postcode"},
				map[string]any{"$ref": "#/components/parameters/proximity"})
		}
		for _, p := range list {
			if slices.Contains(allowed, paramName(p, params)) {
				kept = append(kept, p)
			}
		}
		if len(kept) > 0 {
			get["parameters"] = kept
		} else {
			delete(get, "parameters")
		}
		if len(allowed) > 0 || ops["parameters"] != nil {
			if resp, ok := get["responses"].(map[string]any); ok {
				resp["400"] = map[string]any{"description": "A parameter is unknown or malformed; the error names it.",
					"content": map[string]any{"application/json": map[string]any{"schema": map[string]any{"$ref": "#/components/schemas/Error"}}}}
				if ops["parameters"] != nil {
					resp["404"] = map[string]any{"description": "No record with this id.",
						"content": map[string]any{"application/json": map[string]any{"schema": map[string]any{"$ref": "#/components/schemas/Error"}}}}
				}
			}
		}
	}
	paths["/openapi.json"] = map[string]any{"get": map[string]any{
		"summary": "This document", "operationId": "getOpenAPI",
		"responses": map[string]any{"200": map[string]any{"description": "The OpenAPI 3.1 document of the /hsds/ API.",
			"content": map[string]any{"application/json": map[string]any{}}}},
	}}
	schemas, _ := comps["schemas"].(map[string]any)
	schemas["Error"] = map[string]any{
		"type": "object", "required": []any{"error"},
		"properties": map[string]any{"error": map[string]any{
			"type": "object", "required": []any{"code", "message"},
			"properties": map[string]any{
				"code": map[string]any{"type": "string"}, "message": map[string]any{"type": "string"},
				"field": map[string]any{"type": "string"},
			}}},
	}
	b, err := json.MarshalIndent(doc, "", "  ")
	if err != nil {
		return nil, fmt.Errorf("hsds: openapi document: %w", err)
	}
	return b, nil
}

// paramName returns the name of an OpenAPI parameter object or of the
// component it refers to.
func paramName(p any, components map[string]any) string {
	m, _ := p.(map[string]any)
	if ref, ok := m["$ref"].(string); ok {
		const prefix = "#/components/parameters/"
		if len(ref) > len(prefix) && ref[:len(prefix)] == prefix {
			c, _ := components[ref[len(prefix):]].(map[string]any)
			name, _ := c["name"].(string)
			return name
		}
	}
	name, _ := m["name"].(string)
	return name
}
