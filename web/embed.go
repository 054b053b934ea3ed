// Package web embeds Trellis's page templates, static assets and the
// message catalogs (English and Spanish) so the binary needs no files at run
// time and no front-end build.
package web

import "embed"

// FS holds messages/ (and, with the pages, templates/ and static/).
//
//go:embed messages
var FS embed.FS
