// Command trellis is the Trellis community resource directory: its server
// and its tools for coordinators. Run `trellis help` for the commands.
package main

import (
	"context"
	"os"
	"os/signal"
	"syscall"

	"trellis/internal/app"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := app.Run(ctx, os.Args[1:], app.StdIO())
	stop()
	os.Exit(code)
}
