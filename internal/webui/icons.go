package webui

import "html/template"

// icons are simple line drawings for the top-level needs, drawn here so
// the pages load nothing from elsewhere. They are decoration: the tile's
// text names the need, so screen readers skip them.
var icons = map[string]template.HTML{}

func init() {
	paths := map[string]string{
		// a house
		"housing": `<path d="M3 11 12 3l9 8"/><path d="M5 10v10h5v-6h4v6h5V10"/>`,
		// a briefcase
		"employment": `<rect x="3" y="7" width="18" height="13" rx="2"/><path d="M9 7V5a1 1 0 0 1 1-1h4a1 1 0 0 1 1 1v2M3 13h18"/>`,
		// a medical cross
		"healthcare": `<path d="M9 3h6v6h6v6h-6v6H9v-6H3V9h6z"/>`,
		// two speech bubbles
		"mental-health": `<path d="M4 5h11a1 1 0 0 1 1 1v7a1 1 0 0 1-1 1H9l-4 3v-3H4a1 1 0 0 1-1-1V6a1 1 0 0 1 1-1z"/><path d="M16 9h4a1 1 0 0 1 1 1v7a1 1 0 0 1-1 1h-1v3l-4-3h-4a1 1 0 0 1-1-1v-3"/>`,
		// a hand holding a heart
		"substance-use": `<path d="M12 12s-5-3-5-6.5A2.5 2.5 0 0 1 12 4a2.5 2.5 0 0 1 5 1.5C17 9 12 12 12 12z"/><path d="M3 16h4l3 2h5a1.5 1.5 0 0 0 0-3h-3M7 16l6-2 6-1a1.5 1.5 0 0 1 1 2.7L15 20H8l-5-1"/>`,
		// an apple
		"food": `<path d="M12 7c-1.5-1-6-2-7 3s2 11 5 10c1-.3 1.5-.5 2-.5s1 .2 2 .5c3 1 6-5 5-10s-5.5-4-7-3z"/><path d="M12 7c0-2 1-4 3-4"/>`,
		// a t-shirt
		"basic-needs": `<path d="M8 3 3 6l2 4 2-1v12h10V9l2 1 2-4-5-3a3 3 0 0 1-8 0z"/>`,
		// a bus
		"transportation": `<rect x="4" y="3" width="16" height="15" rx="2"/><path d="M4 11h16M8 18v3M16 18v3"/><circle cx="8" cy="14.5" r="1"/><circle cx="16" cy="14.5" r="1"/>`,
		// scales
		"legal": `<path d="M12 3v18M7 21h10M5 7h14M5 7l-3 7a3 3 0 0 0 6 0zM19 7l-3 7a3 3 0 0 0 6 0z"/>`,
		// a coin
		"income": `<circle cx="12" cy="12" r="9"/><path d="M15 9c-.5-1-1.5-1.5-3-1.5-2 0-3 1-3 2.2 0 2.8 6 1.5 6 4.4 0 1.2-1 2.4-3 2.4-1.5 0-2.6-.6-3-1.6M12 6v1.5M12 16.5V18"/>`,
		// an open book
		"education": `<path d="M3 5h6a3 3 0 0 1 3 3v12a2 2 0 0 0-2-2H3zM21 5h-6a3 3 0 0 0-3 3v12a2 2 0 0 1 2-2h7z"/>`,
		// a phone
		"crisis": `<path d="M5 3h4l2 5-2.5 1.5a11 11 0 0 0 6 6L16 13l5 2v4a2 2 0 0 1-2 2A16 16 0 0 1 3 5a2 2 0 0 1 2-2z"/>`,
	}
	// a phone handset, for call buttons
	paths["phone"] = paths["crisis"]
	for id, p := range paths {
		icons[id] = template.HTML(`<svg class="icon" viewBox="0 0 24 24" aria-hidden="true" focusable="false" fill="none" stroke="currentColor" stroke-width="1.8" stroke-linecap="round" stroke-linejoin="round">` + p + `</svg>`)
	}
}
