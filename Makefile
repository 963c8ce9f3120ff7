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

## test: formatting, vet and every test (conformance cases included)
test: lint
	$(GO) test -count=1 ./...
	$(ELT) ls >/dev/null

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
