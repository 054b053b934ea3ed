# Trellis. `make run` serves the bundled directory on http://localhost:8080;
# `make test` runs every test (PostgreSQL on 127.0.0.1:5432 must be up: see .ci/run).
GO      ?= go
BIN     ?= bin/trellis
PKGS    ?= ./...

export CGO_ENABLED ?= 0

.PHONY: build run test lint bench eval e2e clean

build:
	$(GO) build -trimpath -o $(BIN) ./cmd/trellis

run: build
	./$(BIN) serve

test:
	$(GO) test -count=1 $(PKGS)

lint:
	@out=$$(gofmt -l $$(git ls-files '*.go')); if [ -n "$$out" ]; then echo "gofmt would change:"; echo "$$out"; exit 1; fi
	$(GO) vet $(PKGS)

# Benchmarks. Builds and loads run once each (index build for the DC data
# and for 100k synthetic services; set TRELLIS_BENCH_DATA to an imported copy
# of the national package to add it); latencies run SEARCHTIME searches and
# MATCHTIME three-need matches on the 100k directory and report p50/p99.
BUILDTIME  ?= 1x
SEARCHTIME ?= 2000x
MATCHTIME  ?= 500x
bench:
	$(GO) test -run '^$$' -bench 'Build|Load|At|ZIP' -benchmem -benchtime=$(BUILDTIME) ./internal/search/ ./internal/geo/ ./internal/listings/
	$(GO) test -run '^$$' -bench 'Search' -benchmem -benchtime=$(SEARCHTIME) ./internal/search/
	$(GO) test -run '^$$' -bench 'Match' -benchmem -benchtime=$(MATCHTIME) ./internal/match/

# Relevance evaluation: nDCG@10 and recall@5 over the judged cases in
# testdata/relevance/ (DC and Chicago), overall and per directory, and the
# failing cases. The test fails below the floors in internal/match/eval_test.go.
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
