package webui

import (
	"fmt"
	"html/template"
	"strings"

	qrcode "github.com/skip2/go-qrcode"

	"trellis/internal/i18n"
)

// qrSVG draws text as a QR code in an inline SVG (one path, a module per
// unit, the quiet zone included), labelled with alt for screen readers. It
// needs no JavaScript and prints sharply. It returns an error when text is
// too long for a QR code.
func qrSVG(text, alt string) (template.HTML, error) {
	q, err := qrcode.New(text, qrcode.Medium)
	if err != nil {
		return "", fmt.Errorf("webui: qr code: %w", err)
	}
	bits := q.Bitmap()
	n := len(bits)
	var path strings.Builder
	for y, row := range bits {
		for x := 0; x < len(row); {
			if !row[x] {
				x++
				continue
			}
			start := x
			for x < len(row) && row[x] {
				x++
			}
			fmt.Fprintf(&path, "M%d %dh%dv1h-%dz", start, y, x-start, x-start)
		}
	}
	svg := fmt.Sprintf(`<svg class="qr" xmlns="http://www.w3.org/2000/svg" viewBox="0 0 %d %d" role="img" aria-label="%s" shape-rendering="crispEdges"><rect width="%d" height="%d" fill="#fff"/><path d="%s" fill="#000"/></svg>`,
		n, n, template.HTMLEscapeString(alt), n, n, path.String())
	return template.HTML(svg), nil
}

// i18nT returns message key in lang.
func i18nT(lang, key string, args ...string) string { return i18n.Default.T(lang, key, args...) }

// i18nMatch picks a request's language from an explicit choice or its
// Accept-Language header.
func i18nMatch(explicit, accept string) string { return i18n.Default.Match(explicit, accept) }
