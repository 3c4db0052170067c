# cardloop - see README.md. `make run` runs the whole pipeline locally; `make test` runs every test.
SHELL := /bin/bash

# Lambda functions are the template's AWS::Serverless::Function resources named <Name>Function;
# each one's code lives in functions/<name> (lower case).
FUNCTIONS := $(shell sed -n 's/^  \([A-Za-z0-9][A-Za-z0-9]*Function\):$$/\1/p' template.yaml)
GOARCH ?= arm64
ARTIFACTS_DIR ?= $(CURDIR)/.aws-sam/build/$*
MOTO_PORT ?= 4566

export AWS_REGION ?= us-east-1
export AWS_DEFAULT_REGION ?= us-east-1

.PHONY: build local-functions run test unit size start e2e-deps moto print-deps lint bench bench-plan bench-omr deploy clean generate load

# GO_BUILD: how a function is built, for Lambda (build-%Function) and for `make run` (local-functions).
# The binaries are stripped (-s -w), so the compiler makes no debug information either
# (-dwarf=false: about 7 % less compile time on a first build), and collects its garbage less
# often (GOGC=400: about 13 % less CPU compiling the AWS SDK's largest package, whose compile
# then peaks at 750 MB instead of 510).
GO_BUILD = GOGC=400 GOOS=linux GOARCH=$(GOARCH) CGO_ENABLED=0 go build -trimpath -tags lambda.norpc -gcflags=all=-dwarf=false -ldflags "-s -w"

# build-<FunctionLogicalId>: the target `sam build` (BuildMethod: makefile) calls, with ARTIFACTS_DIR set.
# The console prints paper cards, so its package carries the card font beside its binary.
build-%Function:
	cd $(CURDIR) && $(GO_BUILD) -o $(ARTIFACTS_DIR)/bootstrap ./functions/$(shell echo $* | tr '[:upper:]' '[:lower:]')
	$(if $(filter Console,$*),cp "$${CARDLOOP_FONT:-/usr/share/fonts/truetype/droid/DroidSansFallbackFull.ttf}" $(ARTIFACTS_DIR)/card-font.ttf)

build: $(addprefix build-,$(FUNCTIONS))

# local-functions: every function for this machine (`make run`): one executable, infra/localfunctions,
# hard-linked into BIN_DIR once per function in FUNCTIONS (BIN_DIR/card, BIN_DIR/triage, …; the name it
# is started under says which function it runs), so a first start links once instead of sixteen times.
# Go leaves an up-to-date executable as it is. GO_BUILD_FLAGS=-v names each package as it compiles.
local-functions:
	cd $(CURDIR) && $(GO_BUILD) $(GO_BUILD_FLAGS) -o $(BIN_DIR)/localfunctions ./infra/localfunctions
	cd $(BIN_DIR) && for f in $(shell echo $(FUNCTIONS:Function=) | tr '[:upper:]' '[:lower:]'); do \
		[ $$f -ef localfunctions ] || ln -f localfunctions $$f; done

# moto: the AWS emulator, installed with pip where it is missing.
moto:
	@command -v moto_server >/dev/null 2>&1 || pip install --quiet 'moto[server]'

# print-deps: what printing paper cards needs, from Debian's packages where missing: a TrueType
# font that covers Chinese (fonts-droid-fallback; override with CARDLOOP_FONT) and pdftoppm
# (poppler-utils), which the card tests render PDFs with.
print-deps:
	@dpkg -s fonts-droid-fallback >/dev/null 2>&1 && command -v pdftoppm >/dev/null 2>&1 || \
		{ apt-get update -qq && apt-get install -y -qq --no-install-recommends fonts-droid-fallback poppler-utils >/dev/null; }

# run: one go build compiles the runner and the functions (infra/localfunctions) with the functions'
# flags, so each package compiles once, Go spreads the work over the cores, and a later start finds
# everything in Go's cache (built for this machine's architecture); infra/build/progress.sh prints how far it is every 10 s.
run: GOARCH = $(shell env -u GOARCH go env GOARCH)
run: moto print-deps
	@mkdir -p .run/bin
	@set -o pipefail; total=$$(go list -deps ./cmd/cardloop ./infra/localfunctions | wc -l); \
	echo "building the runner and the functions ($$total packages; a first start compiles them all: about 2 minutes on 2 free cores)…"; \
	$(GO_BUILD) -v -o .run/bin/ ./cmd/cardloop ./infra/localfunctions 2>&1 | infra/build/progress.sh $$total
	@ln -f .run/bin/cardloop .run/cardloop
	@./.run/cardloop run

# load: a bounded load of a local stack of its own (its own emulator, loopback only; stops by itself):
# 2,000 cards per scenario at concurrency 30, without faults, with the emulator paused 10 s, with
# TriageFunction killed mid-batch; prints a table per scenario, fails if a card, case or e-mail is
# lost or doubled (docs/reliability.md). Not part of `make test`. LOAD_FLAGS=--cards 300 for less.
load: moto
	@mkdir -p .run && go build -o .run/cardloop ./cmd/cardloop
	@./.run/cardloop load $(LOAD_FLAGS)

# test: every test. Integration tests start (or share) a moto server themselves;
# the browser test starts the local pipeline and drives Debian's Chromium.
# Packages run one at a time (-p 1): moto's server is not thread-safe, and
# under requests from several test packages at once it now and then fails or
# loses a write, which a test then reports as a lost e-mail or a missing case.
test: moto e2e-deps print-deps
	go vet ./...
	go test -p 1 -count=1 -timeout 40m ./...

# unit: every test that needs neither the emulator nor a browser (they skip under -short).
unit:
	go test -short -count=1 ./...

# size: builds every function for Lambda (arm64, the build target above) and prints each binary's
# MiB and packages linked; fails over the limits in infra/build/size_test.go.
size:
	go test -count=1 -timeout 30m -run '^TestSize$$' -v ./infra/build/

# start: cold start of every function (process start to its first Runtime API request, median of
# 15 starts, built for this machine, against the emulator) beside a bare lambda.Start binary, and
# the package initialisers each runs (GODEBUG=inittrace=1). Figures move with the machine's load.
start: moto
	go test -count=1 -timeout 30m -run '^$$' -bench '^BenchmarkStart$$' -benchtime 15x ./infra/build/

# The browser test's npm packages (playwright-core only; it never downloads a browser).
e2e-deps:
	@if [ -f test/e2e/package.json ] && { [ ! -d test/e2e/node_modules ] || \
		[ test/e2e/package-lock.json -nt test/e2e/node_modules/.package-lock.json ]; }; then \
		cd test/e2e && npm ci --no-audit --no-fund --loglevel=error; fi

# bench: the cost benchmarks (AWS calls, items read, time per operation), but for the long ones below.
bench: moto
	go test -run '^$$' -bench . -skip 'PlanDay|ReadCorpus|Insight' -benchtime 200x ./shared/...
	go test -run '^$$' -bench Insight -benchtime 1x ./shared/worker/insights/

# bench-plan: greeting planning for 10,000 and 100,000 generated diners (the 100,000 run takes minutes in moto).
bench-plan: moto
	go test -run '^$$' -bench 'PlanDay/diners=10000$$' -benchtime 20x -timeout 1h ./shared/worker/greetings/
	go test -run '^$$' -bench 'PlanDay/diners=100000$$' -benchtime 1x -timeout 4h ./shared/worker/greetings/

# bench-omr: optical mark recognition over 1,000 synthetic scans: accuracy and cards/s per core (docs/omr.md).
bench-omr:
	go test -run '^$$' -bench ReadCorpus -benchtime 1x -v ./shared/omr/

# generate: the Go code of the .templ templates (committed; run after editing one).
generate:
	go tool templ generate

lint:
	gofmt -l . | (! grep .)
	go vet ./...
	cfn-lint template.yaml

deploy:
	sam build && sam deploy --guided

clean:
	rm -rf .aws-sam .run bin
