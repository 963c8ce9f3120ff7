# elt: the first two targets set everything up on a fresh machine.
GO      ?= go
BIN     := bin/elt
ELT     := ./$(BIN)
BRONZE  := data/bronze

.PHONY: run test build bench lint generate clean

## run: generate sample bronze data if missing, build, show a gold query
run: build
	@if [ -z "$$(ls -A $(BRONZE) 2>/dev/null)" ]; then $(ELT) generate; fi
	$(ELT) build
	$(ELT) query -f sql/conversion_by_country_device.sql

## test: formatting, vet, every test (conformance cases included), and the
## committed Redshift DDL checked against a fresh build's schema
test: lint
	$(GO) test -count=1 ./...
	@tmp=$$(mktemp -d) && mkdir -p "$$tmp/bronze/events" "$$tmp/bronze/transactions" "$$tmp/bronze/users" && \
	  $(ELT) --warehouse "$$tmp/w.duckdb" --bronze "$$tmp/bronze" --output "$$tmp/out" build >/dev/null && \
	  $(ELT) --warehouse "$$tmp/w.duckdb" ddl --check; rc=$$?; rm -rf "$$tmp"; exit $$rc

build:
	$(GO) build -o $(BIN) ./cmd/elt

## bench: Go benchmarks (ingestion, full build, generator)
bench:
	$(GO) test -run '^$$' -bench . -benchtime 1x -benchmem ./...

lint: build
	@out=$$(gofmt -l cmd internal migrations); if [ -n "$$out" ]; then echo "gofmt would change:"; echo "$$out"; exit 1; fi
	$(GO) vet ./...

generate: build
	$(ELT) generate

clean:
	rm -rf bin data
