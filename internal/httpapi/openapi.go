package httpapi

import (
	_ "embed"
	"encoding/json"
	"fmt"
	"net/http"

	"github.com/labstack/echo/v4"
	"go.yaml.in/yaml/v3"
)

// openAPIYAML is the OpenAPI 3.1 document for the API, written by hand
// beside the handlers; a test checks that it and the registered routes
// name the same paths and methods.
//
//go:embed openapi.yaml
var openAPIYAML []byte

// openAPIJSON is the document as JSON, converted once.
var openAPIJSON = mustJSON(openAPIYAML)

func mustJSON(y []byte) []byte {
	var doc any
	if err := yaml.Unmarshal(y, &doc); err != nil {
		panic(fmt.Sprintf("httpapi: openapi.yaml: %v", err))
	}
	b, err := json.Marshal(doc)
	if err != nil {
		panic(fmt.Sprintf("httpapi: openapi.yaml to JSON: %v", err))
	}
	return b
}

// openAPI answers GET /api/v1/openapi.json.
func (s *API) openAPI(c echo.Context) error {
	if _, err := newParams(c); err != nil {
		return err
	}
	return c.Blob(http.StatusOK, "application/json", openAPIJSON)
}
