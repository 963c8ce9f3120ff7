# elt: the first two targets set everything up on a fresh machine.
GO      ?= go
# Every go command here builds with duckdb-go's Arrow (the duckdb_arrow
# tag): ingestion hands its batches to DuckDB as Arrow record batches
# (internal/warehouse/frame, ShareStreamOn). Built without it, elt works the
# same, its loads through elt_frame, slower (design/performance.md).
export GOFLAGS := -tags=duckdb_arrow $(GOFLAGS)
BIN     := bin/elt
ELT     := ./$(BIN)
BRONZE  := data/bronze

.PHONY: run test fuzz deps build cross cross-deps bench bench-serve bench-large bench-huge lint generate clean

## run: generate sample bronze data if missing, build, show a gold query
run: build
	@if [ -z "$$(ls -A $(BRONZE) 2>/dev/null)" ]; then $(ELT) generate; fi
	$(ELT) build
	$(ELT) query -f sql/conversion_by_country_device.sql
	@echo "Next: $(ELT) docs (then open data/out/docs/index.html), $(ELT) query 'SELECT * FROM gold.user_session_analysis', $(ELT) --help"

## test: formatting, vet, every test (conformance cases included), the fuzz
## targets for a bounded time, the committed Redshift DDL checked
## against a fresh build's schema, and the cross-compiled binaries
test: lint deps
	$(GO) test -count=1 -timeout 60m ./...
	@$(MAKE) --no-print-directory fuzz
	@tmp=$$(mktemp -d) && mkdir -p "$$tmp/bronze/events" "$$tmp/bronze/transactions" "$$tmp/bronze/users" && \
	  $(ELT) --warehouse "$$tmp/w.duckdb" --bronze "$$tmp/bronze" --output "$$tmp/out" build >/dev/null && \
	  $(ELT) --warehouse "$$tmp/w.duckdb" ddl --check; rc=$$?; rm -rf "$$tmp"; exit $$rc
	@$(MAKE) --no-print-directory cross

## fuzz: each fuzz target for a number of executions, about 15 s each on
## the slower of the 2-core machines it ran on, 7 s on the faster
## (FUZZTIME=60s or FUZZTIME=1000000x sets every target's instead). A count
## rather than a duration: Go 1.26's fuzzing coordinator can fail a run at
## the end of a duration with "context deadline exceeded" and no failing
## input (go.dev/issue/75804, fixed in Go 1.27); a count has no deadline to
## race. A target is package:FuzzName:executions, one line each (-fuzz
## takes one target).
FUZZTIME ?=
FUZZ_TARGETS += ./internal/ingest/read:FuzzNDJSONReader:30000x
FUZZ_TARGETS += ./internal/ingest/read:FuzzCSVReader:50000x
FUZZ_TARGETS += ./internal/query:FuzzGate:50000x
fuzz:
	@set -e; for t in $(FUZZ_TARGETS); do \
	  pkg=$${t%%:*}; rest=$${t#*:}; name=$${rest%%:*}; budget=$${rest#*:}; \
	  if [ -n "$(FUZZTIME)" ]; then budget=$(FUZZTIME); fi; \
	  echo "fuzz $$name in $$pkg for $$budget"; \
	  $(GO) test -run '^$$' -fuzz "^$$name\$$" -fuzztime $$budget "$$pkg"; \
	done

VERSION ?= $(shell git describe --tags --always --dirty 2>/dev/null || echo dev)

## deps: what the tests run for real and a fresh machine lacks: redis-server
## (started on a free loopback port), chromium (the docs site is tested
## in it, headless), tmux (elt query is tested in a real 80×24 pane),
## psql and Python's psycopg (elt serve's clients), PostgreSQL 15's server
## (engine: postgres builds run in it, initdb'd into a temporary folder), from Debian; versitygw, a real S3 server over a folder (the lake's
## tests start it on a free loopback port), with go install
VERSITYGW ?= v1.8.0
DEPS := $(if $(shell command -v redis-server),,redis-server) $(if $(shell command -v chromium),,chromium) $(if $(shell command -v tmux),,tmux) \
  $(if $(shell command -v psql),,postgresql-client) $(if $(shell /usr/bin/python3 -c 'import psycopg' 2>/dev/null && echo ok),,python3-psycopg) \
  $(if $(wildcard /usr/lib/postgresql/15/bin/initdb),,postgresql-15)
deps:
	@if [ -n "$(strip $(DEPS))" ]; then \
	  echo "installing $(strip $(DEPS)) with apt-get (the tests run them for real)"; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $(DEPS) >/dev/null; fi
	@if ! command -v versitygw >/dev/null && [ ! -x "$$($(GO) env GOPATH)/bin/versitygw" ]; then \
	  echo "installing versitygw $(VERSITYGW) with go install (the S3 tests run it for real)"; \
	  $(GO) install github.com/versity/versitygw/cmd/versitygw@$(VERSITYGW); fi

build:
	$(GO) build -ldflags "-X github.com/digitalservices/elt/internal/cli.version=$(VERSION)" -o $(BIN) ./cmd/elt

## cross: elt for Windows (amd64) and Linux on ARM (arm64), cgo with
## Debian's cross compilers against the DuckDB that duckdb-go ships
## prebuilt for each (github.com/duckdb/duckdb-go-bindings/lib/<platform>);
## the Windows one is self-contained (no MinGW DLLs beside it). It checks
## the build and link only: neither binary is run here
CROSS_WINDOWS := GOOS=windows GOARCH=amd64 CGO_ENABLED=1 CC=x86_64-w64-mingw32-gcc-posix CXX=x86_64-w64-mingw32-g++-posix
CROSS_ARM64   := GOOS=linux GOARCH=arm64 CGO_ENABLED=1 CC=aarch64-linux-gnu-gcc CXX=aarch64-linux-gnu-g++
cross: cross-deps
	$(CROSS_WINDOWS) $(GO) build -ldflags "-X github.com/digitalservices/elt/internal/cli.version=$(VERSION)" -o bin/elt-windows-amd64.exe ./cmd/elt
	$(CROSS_ARM64) $(GO) build -ldflags "-X github.com/digitalservices/elt/internal/cli.version=$(VERSION)" -o bin/elt-linux-arm64 ./cmd/elt

## cross-deps: the cross compilers, from Debian, when missing (the posix
## MinGW flavour: DuckDB's libraries call winpthreads)
CROSS_DEPS := $(if $(shell command -v x86_64-w64-mingw32-g++-posix),,g++-mingw-w64-x86-64-posix) $(if $(shell command -v aarch64-linux-gnu-g++),,g++-aarch64-linux-gnu)
cross-deps:
	@if [ -n "$(strip $(CROSS_DEPS))" ]; then \
	  echo "installing $(strip $(CROSS_DEPS)) with apt-get (make cross compiles with them)"; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $(CROSS_DEPS) >/dev/null; fi

## bench: elt against a hand-written DuckDB script on the same files (a
## Markdown table), incremental and checks' share, fraud latency, generator;
## EVENTS sets the size (bronze is generated once per size, outside git)
EVENTS ?= 2000000
bench: deps bench-serve
	ELT_BENCH_EVENTS=$(EVENTS) $(GO) test -run '^$$' -bench . -benchtime 1x -benchmem -timeout 60m ./...

## bench-serve: 32 clients read elt serve for 60 s while files land and
## builds publish, without pause and then a round each every 200ms:
## errors, torn reads, and a one-row lookup's p50/p99
bench-serve: deps
	ELT_SERVE_SECONDS=60 $(GO) test -count=1 -run '^TestServeReadsDuringBuilds$$' -v -timeout 10m ./internal/cli | grep -E 'clients \(|^(ok|FAIL|---)'
	ELT_SERVE_SECONDS=60 ELT_SERVE_PACE=200ms $(GO) test -count=1 -run '^TestServeReadsDuringBuilds$$' -v -timeout 10m ./internal/cli | grep -E 'clients \(|^(ok|FAIL|---)'

## bench-large: a 10M-event build with memory_limit: 1GB (not in CI)
LARGE ?= 10000000
bench-large:
	ELT_BENCH_LARGE=$(LARGE) $(GO) test -run '^$$' -bench BenchmarkLargeMemory -benchtime 1x -timeout 60m ./internal/cli

## bench-huge: full builds of 100M events (about 19 GB of NDJSON, generated
## once and cached outside git) and of 10M, memory_limit: 4GB: time, peak
## RSS and disk used (not in CI; needs about 45 GB free)
HUGE ?= 100000000
bench-huge:
	ELT_BENCH_HUGE=$(HUGE) $(GO) test -run '^$$' -bench BenchmarkHuge -benchtime 1x -timeout 180m ./internal/cli

## lint: gofmt, go vet, and go.mod/go.sum exactly as go mod tidy leaves them
lint: build
	@out=$$(gofmt -l cmd internal migrations); if [ -n "$$out" ]; then echo "gofmt would change:"; echo "$$out"; exit 1; fi
	$(GO) vet ./...
	GOFLAGS= $(GO) vet ./internal/warehouse/frame
	@$(GO) mod tidy -diff || { echo "go.mod or go.sum is not tidy: run go mod tidy"; exit 1; }

generate: build
	$(ELT) generate

clean:
	rm -rf bin data
