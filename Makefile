# Trellis. `make run` serves the bundled directory on http://localhost:8080;
# `make test` runs every test (PostgreSQL on 127.0.0.1:5432 must be up; the
# test database is created when missing). See README.md, "Before you start".
GO      ?= go
BIN     ?= bin/trellis
PKGS    ?= ./...
STATICCHECK_VERSION ?= v0.8.2
GOBIN   ?= $(shell $(GO) env GOPATH)/bin

export CGO_ENABLED ?= 0
# Builds and tests compile with the same flags, so they share Go's build
# cache: `make run` after `make test` links the binary instead of
# compiling everything again.
export GOFLAGS ?= -trimpath

# The version stamped into the binary: `git describe` (v0.1.0-12-gabc1234,
# -dirty with uncommitted changes) and the full commit.
VERSION  ?= $(shell git describe --tags --always --dirty 2>/dev/null || echo unknown)
REVISION ?= $(shell git rev-parse HEAD 2>/dev/null)
LDFLAGS  := -X trellis/internal/buildinfo.version=$(VERSION) -X trellis/internal/buildinfo.revision=$(REVISION)

.PHONY: build install run test test-future pgready lint bench bench-signin eval e2e clean

build:
	$(GO) build -ldflags '$(LDFLAGS)' -o $(BIN) ./cmd/trellis

# trellis on your PATH (in $$GOBIN), with the same version stamp.
install:
	$(GO) install -ldflags '$(LDFLAGS)' ./cmd/trellis

run: build
	./$(BIN) serve

test: pgready
	$(GO) test -count=1 $(PKGS)

# The suite with every anchored test clock a year ahead: tests that hold
# today must hold next year (internal/testkit/clock.go).
test-future: pgready
	TRELLIS_TEST_SHIFT=365d $(GO) test -count=1 $(PKGS)

# Checks the test PostgreSQL before the tests start: creates the test
# database when the server is up and it is missing, and stops with one line
# saying how to start the server when it is not reachable.
pgready:
	@mkdir -p bin && $(GO) build -o bin/pgready ./internal/postgres/pgtest/pgready && ./bin/pgready

lint: $(GOBIN)/staticcheck-$(STATICCHECK_VERSION)
	@out=$$(gofmt -l $$(git ls-files '*.go')); if [ -n "$$out" ]; then echo "gofmt would change:"; echo "$$out"; exit 1; fi
	$(GO) vet $(PKGS)
	$(GOBIN)/staticcheck-$(STATICCHECK_VERSION) $(PKGS)

# staticcheck at the pinned version, installed once under a versioned name.
$(GOBIN)/staticcheck-$(STATICCHECK_VERSION):
	$(GO) install honnef.co/go/tools/cmd/staticcheck@$(STATICCHECK_VERSION)
	cp $(GOBIN)/staticcheck $@

# Benchmarks. Builds and loads run once each (index build for the DC data
# and for 100k synthetic services; set TRELLIS_BENCH_DATA to an imported copy
# of the national package to add it); latencies run SEARCHTIME searches and
# MATCHTIME three-need matches on the 100k directory and report p50/p99;
# the HTTP run starts `trellis serve` on TRELLIS_BENCH_DATA when set (else
# the bundled data), then on the 100k synthetic directory (written first
# into a temporary data directory by the HSDS importer, untimed), and
# sends HTTPTIME searches from 8 clients to each: time to ready and peak
# resident memory on a first start (index built) and a restart (index
# reopened), requests/s, p50/p99 and the server's peak resident memory
# under load. The reload run (TRELLIS_BENCH_DATA or the bundled data, not
# the synthetic directory) times the first load and a restart in process,
# then RELOADTIME reloads after an edit to one listing, told the file as the watcher tells it.
BUILDTIME  ?= 1x
SEARCHTIME ?= 2000x
MATCHTIME  ?= 500x
HTTPTIME   ?= 20000x
RELOADTIME ?= 5x
bench:
	$(GO) test -run '^$$' -bench 'Build|Load|At|ZIP' -benchmem -benchtime=$(BUILDTIME) ./internal/search/ ./internal/geo/ ./internal/listings/
	$(GO) test -run '^$$' -bench 'Search' -benchmem -benchtime=$(SEARCHTIME) ./internal/match/
	$(GO) test -run '^$$' -bench 'Match' -benchmem -benchtime=$(MATCHTIME) ./internal/match/
	$(GO) test -run '^$$' -bench 'HTTPSearch' -benchtime=$(HTTPTIME) -timeout 30m ./internal/app/
	$(GO) test -run '^$$' -bench 'Reload' -benchtime=$(RELOADTIME) -timeout 30m ./internal/snapshot/

# Sign-in load: bursts of 32 concurrent password sign-ins against a running
# `trellis serve` on the bundled data, with public searches meanwhile;
# reports the server's peak memory and the searches' p50/p99.
SIGNINTIME ?= 20x
bench-signin:
	$(GO) test -run '^$$' -bench 'SignInLoad' -benchtime=$(SIGNINTIME) ./internal/app/

# Relevance evaluation: nDCG@10, recall@5 and cases with no results over
# the judged cases in testdata/relevance/ (DC, peers' words, Chicago), on both
# surfaces (search and match), per directory and per class, and the failing
# cases. The test fails below the floors in internal/match/eval_test.go.
eval:
	@mkdir -p bin && $(GO) test -c -o bin/match.test ./internal/match/
	cd internal/match && ../../bin/match.test -test.run '^TestRelevance$$' -report

# Browser tests (build tag e2e): headless Chromium (Debian's /usr/bin/chromium,
# or $$TRELLIS_CHROMIUM) drives the public pages and the kiosk on loopback
# servers over the bundled data; axe-core (npm, into e2e/node_modules) checks
# accessibility. Screenshots at phone and desktop widths go to e2e-screenshots/.
CHROMIUM ?= $(or $(TRELLIS_CHROMIUM),/usr/bin/chromium)
e2e: e2e/node_modules/axe-core/axe.min.js
	@test -x "$(CHROMIUM)" || { echo "e2e: $(CHROMIUM) not found: apt-get install -y chromium" >&2; exit 1; }
	TRELLIS_CHROMIUM="$(CHROMIUM)" $(GO) test -tags e2e -count=1 -v ./e2e/
	@echo "e2e: screenshots in $(CURDIR)/e2e-screenshots"

e2e/node_modules/axe-core/axe.min.js: e2e/package.json e2e/package-lock.json
	cd e2e && npm ci --no-audit --no-fund
	@touch $@

clean:
	rm -rf bin var
