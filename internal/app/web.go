package app

import (
	"flag"
	"fmt"
	"time"

	"trellis/internal/webui"
)

// WebConfig configures the web pages `trellis serve` adds to the API.
type WebConfig struct {
	// Kiosk turns on kiosk mode for a shared public screen: large text, a
	// high-contrast switch, posted forms that keep searches out of the
	// browser's history, and a reset to the start page after KioskIdle.
	Kiosk bool
	// KioskIdle is how long a kiosk page waits without input before it
	// starts over.
	KioskIdle time.Duration
}

// Limits on --kiosk-idle: shorter resets people mid-read, longer leaves a
// search on screen for the next person.
const (
	minKioskIdle = 20 * time.Second
	maxKioskIdle = time.Hour
)

// flags adds --kiosk and --kiosk-idle to fs.
func (c *WebConfig) flags(fs *flag.FlagSet) {
	if c.KioskIdle == 0 {
		c.KioskIdle = webui.DefaultKioskIdle
	}
	fs.BoolVar(&c.Kiosk, "kiosk", c.Kiosk, "kiosk mode for a shared public screen: large text, high-contrast switch, no browser history of searches, start over after --kiosk-idle")
	fs.Var(durationValue{&c.KioskIdle}, "kiosk-idle", "in kiosk mode, how long a page waits without input before it starts over (20s to 1h)")
}

// check validates the web flags. It returns a usage error naming the
// flag.
func (c *WebConfig) check() error {
	if c.KioskIdle < minKioskIdle || c.KioskIdle > maxKioskIdle {
		return usageError{fmt.Sprintf("--kiosk-idle %s: want between %s and %s", c.KioskIdle, minKioskIdle, maxKioskIdle)}
	}
	return nil
}

// openWeb adds the web pages to the API server. It returns an error when
// the embedded templates do not parse.
func (m *Main) openWeb(baseURL string) error {
	opt := webui.Options{Snapshots: m.store, Logger: m.log, Kiosk: m.Config.Web.Kiosk,
		KioskIdle: m.Config.Web.KioskIdle, BaseURL: baseURL, LinkTTL: m.Config.LinkTTL}
	if m.db != nil {
		opt.Referrals = m.db
	}
	ui, err := webui.New(opt)
	if err != nil {
		return err
	}
	ui.Register(m.api)
	if m.Config.Web.Kiosk {
		m.log.Info("kiosk mode", "idle", m.Config.Web.KioskIdle)
	}
	return nil
}
