// Package buildinfo says which build of trellis is running: the version
// that `make build` stamps from `git describe`, or, for a plain `go build`
// or `go install`, what the Go toolchain recorded of the module and the
// git checkout.
package buildinfo

import (
	"runtime/debug"
	"strings"
)

// version and revision are stamped by the Makefile:
//
//	-ldflags "-X trellis/internal/buildinfo.version=$(git describe ...) -X trellis/internal/buildinfo.revision=$(git rev-parse HEAD)"
var version, revision string

// Info is the running build.
type Info struct {
	// Version is `git describe --tags --always --dirty` at build time, the
	// module version for `go install trellis@v...`, or "devel+<short
	// revision>" from the toolchain's VCS stamp; "unknown" only when none
	// of these exists (a test binary).
	Version string `json:"version"`
	// Revision is the full git commit, "" when unknown.
	Revision string `json:"revision,omitempty"`
	// Modified says the working tree had uncommitted changes.
	Modified bool `json:"modified,omitempty"`
	// Go is the toolchain that built the binary.
	Go string `json:"go,omitempty"`
}

// Read returns the running build's Info.
func Read() Info {
	bi, _ := debug.ReadBuildInfo()
	return fromBuild(bi, version, revision)
}

// fromBuild combines the stamped values with the toolchain's record; the
// stamped values win.
func fromBuild(bi *debug.BuildInfo, stampedVersion, stampedRevision string) Info {
	info := Info{Version: stampedVersion, Revision: stampedRevision}
	if bi != nil {
		info.Go = bi.GoVersion
		var vcsRev string
		for _, s := range bi.Settings {
			switch s.Key {
			case "vcs.revision":
				vcsRev = s.Value
			case "vcs.modified":
				info.Modified = s.Value == "true"
			}
		}
		if info.Revision == "" {
			info.Revision = vcsRev
		}
		if info.Version == "" {
			if v := bi.Main.Version; v != "" && v != "(devel)" {
				info.Version = v
			} else if vcsRev != "" {
				info.Version = "devel+" + short(vcsRev)
				if info.Modified {
					info.Version += "-dirty"
				}
			}
		}
	}
	if stampedVersion != "" {
		info.Modified = strings.HasSuffix(stampedVersion, "-dirty")
	}
	if info.Version == "" {
		info.Version = "unknown"
	}
	return info
}

func short(rev string) string {
	if len(rev) > 12 {
		return rev[:12]
	}
	return rev
}
