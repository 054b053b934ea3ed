// Package data embeds the bundled directory (settings, taxonomy,
// vocabulary, listings, meetings, the meeting type table, geography,
// import maps and schemas) so the trellis binary can serve it from
// anywhere. The files on disk are the source of truth; `trellis serve --data`
// reads them directly and reloads them when they change.
package data

import "embed"

// FS holds the bundled data directory.
//
//go:embed directory.yaml taxonomy.yaml vocabulary.yaml geo schema maps listings meetings meetingguide
var FS embed.FS
