# elt: the first two targets set everything up on a fresh machine.
GO      ?= go
BIN     := bin/elt
ELT     := ./$(BIN)
BRONZE  := data/bronze

.PHONY: run test fuzz deps build bench bench-large lint generate clean

## run: generate sample bronze data if missing, build, show a gold query
run: build
	@if [ -z "$$(ls -A $(BRONZE) 2>/dev/null)" ]; then $(ELT) generate; fi
	$(ELT) build
	$(ELT) query -f sql/conversion_by_country_device.sql
	@echo "Next: $(ELT) docs (then open data/out/docs/index.html), $(ELT) query 'SELECT * FROM gold.user_session_analysis', $(ELT) --help"

## test: formatting, vet, every test (conformance cases included), the fuzz
## targets for a bounded time, and the committed Redshift DDL checked
## against a fresh build's schema
test: lint deps
	$(GO) test -count=1 ./...
	@$(MAKE) --no-print-directory fuzz
	@tmp=$$(mktemp -d) && mkdir -p "$$tmp/bronze/events" "$$tmp/bronze/transactions" "$$tmp/bronze/users" && \
	  $(ELT) --warehouse "$$tmp/w.duckdb" --bronze "$$tmp/bronze" --output "$$tmp/out" build >/dev/null && \
	  $(ELT) --warehouse "$$tmp/w.duckdb" ddl --check; rc=$$?; rm -rf "$$tmp"; exit $$rc

## fuzz: each fuzz target for FUZZTIME (go prints the executions it ran);
## a target is package:FuzzName, one line each (-fuzz takes one target)
FUZZTIME ?= 15s
FUZZ_TARGETS += ./internal/ingest/read:FuzzNDJSONReader
FUZZ_TARGETS += ./internal/ingest/read:FuzzCSVReader
FUZZ_TARGETS += ./internal/warehouse:FuzzGate
fuzz:
	@set -e; for t in $(FUZZ_TARGETS); do \
	  echo "fuzz $${t##*:} in $${t%%:*} for $(FUZZTIME)"; \
	  $(GO) test -run '^$$' -fuzz "^$${t##*:}\$$" -fuzztime $(FUZZTIME) "$${t%%:*}"; \
	done

VERSION ?= $(shell git describe --tags --always --dirty 2>/dev/null || echo dev)

## deps: what the tests run for real and a fresh machine lacks: redis-server
## (started on a free loopback port), chromium (the docs site is tested
## in it, headless) and tmux (elt query is tested in a real 80×24 pane)
DEPS := $(if $(shell command -v redis-server),,redis-server) $(if $(shell command -v chromium),,chromium) $(if $(shell command -v tmux),,tmux)
deps:
	@if [ -n "$(strip $(DEPS))" ]; then \
	  echo "installing $(strip $(DEPS)) with apt-get (the tests run them for real)"; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $(DEPS) >/dev/null; fi

build:
	$(GO) build -ldflags "-X github.com/digitalservices/elt/internal/cli.version=$(VERSION)" -o $(BIN) ./cmd/elt

## bench: elt against a hand-written DuckDB script on the same files (a
## Markdown table), incremental and checks' share, fraud latency, generator;
## EVENTS sets the size (bronze is generated once per size, outside git)
EVENTS ?= 2000000
bench: deps
	ELT_BENCH_EVENTS=$(EVENTS) $(GO) test -run '^$$' -bench . -benchtime 1x -benchmem -timeout 60m ./...

## bench-large: a 10M-event build with memory_limit: 1GB (not in CI)
LARGE ?= 10000000
bench-large:
	ELT_BENCH_LARGE=$(LARGE) $(GO) test -run '^$$' -bench BenchmarkLargeMemory -benchtime 1x -timeout 60m ./internal/cli

## lint: gofmt, go vet, and go.mod/go.sum exactly as go mod tidy leaves them
lint: build
	@out=$$(gofmt -l cmd internal migrations); if [ -n "$$out" ]; then echo "gofmt would change:"; echo "$$out"; exit 1; fi
	$(GO) vet ./...
	@$(GO) mod tidy -diff || { echo "go.mod or go.sum is not tidy: run go mod tidy"; exit 1; }

generate: build
	$(ELT) generate

clean:
	rm -rf bin data
