// Package web embeds Trellis's page templates, static assets and the
// message catalogs (English and Spanish) so the binary needs no files at run
// time and no front-end build.
package web

import "embed"

// FS holds messages/, templates/ (html/template pages, rendered by
// internal/webui) and static/ (the stylesheet and the small script).
//
//go:embed messages templates static
var FS embed.FS
