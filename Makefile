# Trellis. `make run` serves the bundled directory on http://localhost:8080;
# `make test` runs every test (PostgreSQL on 127.0.0.1:5432 must be up: see .ci/run).
GO      ?= go
BIN     ?= bin/trellis
PKGS    ?= ./...
BENCH   ?= .
BENCHTIME ?= 1x

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

# Benchmarks: index build (DC data, 100k synthetic services) and search latency.
# Set TRELLIS_NATIONAL_DATA to an imported copy of the national package to include it.
bench:
	$(GO) test -run '^$$' -bench '$(BENCH)' -benchmem -benchtime=$(BENCHTIME) ./internal/search/ ./internal/geo/ ./internal/listings/

clean:
	rm -rf bin var
