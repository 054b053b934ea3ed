package buildinfo

import (
	"runtime/debug"
	"testing"
)

func TestFromBuild(t *testing.T) {
	vcs := &debug.BuildInfo{GoVersion: "go1.26.8", Main: debug.Module{Path: "trellis", Version: "(devel)"},
		Settings: []debug.BuildSetting{{Key: "vcs.revision", Value: "f140114aa0b1c2d3e4f5a6b7c8d9e0f1a2b3c4d5"}, {Key: "vcs.modified", Value: "true"}}}
	tests := []struct {
		name         string
		bi           *debug.BuildInfo
		version, rev string
		want         Info
	}{
		{"stamped by make", vcs, "v0.2.0-3-gf140114", "f140114aa0b1c2d3e4f5a6b7c8d9e0f1a2b3c4d5",
			Info{Version: "v0.2.0-3-gf140114", Revision: "f140114aa0b1c2d3e4f5a6b7c8d9e0f1a2b3c4d5", Go: "go1.26.8"}},
		{"stamped dirty", vcs, "v0.2.0-dirty", "", Info{Version: "v0.2.0-dirty", Revision: "f140114aa0b1c2d3e4f5a6b7c8d9e0f1a2b3c4d5", Modified: true, Go: "go1.26.8"}},
		{"plain go build in a checkout", vcs, "", "",
			Info{Version: "devel+f140114aa0b1-dirty", Revision: "f140114aa0b1c2d3e4f5a6b7c8d9e0f1a2b3c4d5", Modified: true, Go: "go1.26.8"}},
		{"go install of a tagged module", &debug.BuildInfo{GoVersion: "go1.26.8", Main: debug.Module{Version: "v1.2.3"}}, "", "",
			Info{Version: "v1.2.3", Go: "go1.26.8"}},
		{"nothing known", nil, "", "", Info{Version: "unknown"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := fromBuild(tc.bi, tc.version, tc.rev); got != tc.want {
				t.Errorf("fromBuild = %+v, want %+v", got, tc.want)
			}
		})
	}
}
