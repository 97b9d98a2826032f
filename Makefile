# Makefile - builds the three servers and runs everything the kit offers.
# `make help` lists the targets. Dependencies: a C compiler, make, pthreads;
# bats and curl for the tests.

CC      ?= gcc
CSTD    := -std=c11 -D_GNU_SOURCE
WARN    := -Wall -Wextra -Wshadow -Wstrict-prototypes -Wmissing-prototypes
OPT     ?= -O2 -g
CFLAGS  ?=
SAN     ?=
ALL_CFLAGS = $(CSTD) $(WARN) $(OPT) $(SAN) $(CFLAGS) -Icommon -pthread
LDLIBS  := -pthread

# BUILD is where objects and binaries of a variant go: the plain build puts
# the servers beside their sources, sanitizer builds go under build/NAME.
BUILD   ?= build/plain
BIN     ?= .

COMMON_SRC := $(sort $(wildcard common/*.c))
COMMON_OBJ := $(COMMON_SRC:%.c=$(BUILD)/%.o)

SERVERS := $(BIN)/01-prefork/prefork $(BIN)/02-worker/worker $(BIN)/03-event/event
SERVERS := $(foreach s,$(SERVERS),$(if $(wildcard $(patsubst $(BIN)/%,%,$(dir $(s)))*.c),$(s)))

UNIT_SRC := $(sort $(wildcard tests/unit/test_*.c))
UNIT_BIN := $(UNIT_SRC:tests/unit/%.c=$(BUILD)/tests/unit/%)
TOOLS_SRC := $(sort $(wildcard tests/tools/*.c))
TOOLS_BIN := $(TOOLS_SRC:tests/tools/%.c=$(BUILD)/tests/tools/%)

.PHONY: all help test unit bats run bench sanitize clean tools
all: $(SERVERS) $(UNIT_BIN) $(TOOLS_BIN)

help:
	@echo "make            build the servers, the load generator, the unit tests and test tools"
	@echo "make bench      the main job: run the three servers through one sweep, print a table,"
	@echo "                write CSV and SVG under results/ (BENCH_SECONDS=N, BENCH_RUNS=R, QUICK=1, PEERS=1,"
	@echo "                LIMIT=1, BENCH_WRK=1, BENCH_HOLD=N, BENCH_OUT=DIR: labs/bench/README.md)"
	@echo "make test       run every test suite (C unit tests and Bats); ends with 'N passed, M failed'"
	@echo "make run MPM=prefork   start that server (prefork, worker or event) on port 8080,"
	@echo "                with the bundled docroot and LabHandlers On"
	@echo "make labs-check every lab in its quick mode, with its checks (part of make test)"
	@echo "make labs-run   every lab in full (about 20 minutes); results in each lab's folder"
	@echo "make slides     render slides/decks/*.md to self-contained HTML in slides/out/"
	@echo "make doctor     check the tools and settings the tests, labs and slides use; names the packages"
	@echo "make perf       make bench with everything: httpd, nginx, the limit server, wrk, 10,000 idle"
	@echo "make sanitize   the whole suite again with ASan+UBSan builds (clang if present)"
	@echo "make tsan       ThreadSanitizer builds of worker and event under their suites and a load"
	@echo "make valgrind   prefork and worker under valgrind memcheck during a short load"
	@echo "make fuzz       libFuzzer targets for FUZZ_SECONDS each (default 180); fuzz-quick: 30 s"
	@echo "make CC=clang   build with clang instead of gcc"
	@echo "make handout    the student kit in build/handout: assignments stubbed, answers left out"
	@echo "make grade      grade the assignments (A=NAME for one): points per check and a total"
	@echo "make clean      remove everything built"

$(BUILD)/%.o: %.c $(wildcard common/*.h)
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -c -o $@ $<

$(BIN)/01-prefork/prefork: $(BUILD)/01-prefork/prefork.o $(COMMON_OBJ)
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -o $@ $^ $(LDLIBS)

$(BIN)/02-worker/worker: $(patsubst %.c,$(BUILD)/%.o,$(wildcard 02-worker/*.c)) $(COMMON_OBJ)
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -o $@ $^ $(LDLIBS)

$(BIN)/03-event/event: $(patsubst %.c,$(BUILD)/%.o,$(wildcard 03-event/*.c)) $(COMMON_OBJ)
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -o $@ $^ $(LDLIBS)

# Unit tests include their cases and helpers from tests/unit/*.h.
$(UNIT_SRC:%.c=$(BUILD)/%.o): $(wildcard tests/unit/*.h)

# Unit tests link the common objects (a test's main replaces none of them).
$(BUILD)/tests/unit/%: $(BUILD)/tests/unit/%.o $(COMMON_OBJ)
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -o $@ $^ $(LDLIBS)

$(BUILD)/tests/tools/%: tests/tools/%.c
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -o $@ $< $(LDLIBS)

tools: $(TOOLS_BIN)

test: all
	@KIT_BUILD=$(BUILD) KIT_BIN=$(BIN) tests/run-all

run: all
	@test -n "$(MPM)" || { echo "make run: say which server, e.g. make run MPM=prefork (prefork, worker or event)"; exit 2; }
	@d=$$(bash -c '. common/kit.sh && kit_mpm_dir "$$1"' _ "$(MPM)" 2>/dev/null) || \
	  { echo "make run: MPM=$(MPM) is not one of prefork, worker, event"; exit 2; }; \
	  echo "Serving common/htdocs with the $(MPM) MPM:"; \
	  echo "  site:       http://127.0.0.1:8080/"; \
	  echo "  scoreboard: http://127.0.0.1:8080/server-status?refresh=1"; \
	  echo "  machine:    http://127.0.0.1:8080/server-status?auto"; \
	  echo "Stop it with Ctrl-C."; \
	  exec ./$$d/$(MPM) -c 'Listen 127.0.0.1:8080' -c 'LabHandlers On'

# Sanitizers: a separate build tree, the same suite.
SAN_CC := $(shell command -v clang >/dev/null 2>&1 && echo clang || echo gcc)
sanitize:
	$(MAKE) all CC=$(SAN_CC) BUILD=build/asan BIN=build/asan OPT="-O1 -g -fno-omit-frame-pointer" \
	  SAN="-fsanitize=address,undefined -fno-sanitize-recover=undefined"
	rm -rf build/asan/reports && mkdir -p build/asan/reports
	@# Reports go to files (log_path): a child's report would otherwise go to
	@# a stderr the tests throw away, and the master would replace the child.
	@st=0; \
	ASAN_OPTIONS=detect_leaks=1:abort_on_error=1:log_path=$(CURDIR)/build/asan/reports/asan \
	UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1:log_path=$(CURDIR)/build/asan/reports/ubsan \
	  KIT_JOBS=1 KIT_BUILD=build/asan KIT_BIN=build/asan tests/run-all || st=1; \
	tests/sanitize/reports build/asan/reports "ASan/UBSan" || st=1; \
	exit $$st

clean:
	rm -rf build 01-prefork/prefork 02-worker/worker 03-event/event

# ---- Hardening: fuzzing, TSan, valgrind ------------------------------------
# fuzz        libFuzzer targets of the parser, the path mapping and the static
#             handler, with ASan+UBSan, FUZZ_SECONDS each (side by side):
#             tests/fuzz/README.md
# fuzz-quick  the same for 30 s (tests/fuzz.bats does this in `make test`)
# tsan        ThreadSanitizer builds of worker and event under build/tsan:
#             their suites plus a concurrent load; any report fails the run
# valgrind    prefork and worker under memcheck during a short load: no
#             invalid access, nothing "definitely lost" at exit
FUZZ_CC      ?= clang
FUZZ_SECONDS ?= 180
FUZZ_DIR     := build/fuzz
FUZZ_SAN     := -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined
FUZZ_CFLAGS  := $(CSTD) $(WARN) -O1 -g -fno-omit-frame-pointer $(FUZZ_SAN) -Icommon -pthread
FUZZ_OBJ     := $(COMMON_SRC:%.c=$(FUZZ_DIR)/%.o)

.PHONY: fuzz fuzz-quick fuzz-build tsan valgrind

# Common objects get the fuzzer's coverage instrumentation too: without it
# libFuzzer would be blind inside the code it is meant to explore.
$(FUZZ_DIR)/common/%.o: common/%.c $(wildcard common/*.h)
	@mkdir -p $(dir $@)
	$(FUZZ_CC) $(FUZZ_CFLAGS) -c -o $@ $<

$(FUZZ_DIR)/fuzz_%.o: tests/fuzz/fuzz_%.c $(wildcard common/*.h) \
		      tests/fuzz/fuzz_util.h tests/unit/unit_bytes.h
	@mkdir -p $(dir $@)
	$(FUZZ_CC) $(FUZZ_CFLAGS) -c -o $@ $<

$(FUZZ_DIR)/fuzz_parser: $(FUZZ_DIR)/fuzz_parser.o $(FUZZ_DIR)/common/http_parser.o \
			 $(FUZZ_DIR)/common/chunked.o
	$(FUZZ_CC) $(FUZZ_CFLAGS) -o $@ $^ $(LDLIBS)

$(FUZZ_DIR)/fuzz_path: $(FUZZ_DIR)/fuzz_path.o $(FUZZ_OBJ)
	$(FUZZ_CC) $(FUZZ_CFLAGS) -o $@ $^ $(LDLIBS)

$(FUZZ_DIR)/fuzz_static: $(FUZZ_DIR)/fuzz_static.o $(FUZZ_OBJ)
	$(FUZZ_CC) $(FUZZ_CFLAGS) -o $@ $^ $(LDLIBS)

fuzz-build: $(FUZZ_DIR)/fuzz_parser $(FUZZ_DIR)/fuzz_path $(FUZZ_DIR)/fuzz_static

# The unit test that replays old findings includes the targets' checks.
$(BUILD)/tests/unit/test_regressions.o: $(wildcard tests/fuzz/fuzz_*.c) \
	tests/fuzz/fuzz_util.h

fuzz: fuzz-build
	tests/fuzz/run $(FUZZ_SECONDS)

fuzz-quick: fuzz-build
	tests/fuzz/run 30

# TSan reports go to files (log_path), one per process, so that a report in
# a child whose stderr a test threw away still fails the run. The servers
# ignore /lab/unsafe's deliberate race through an attribute in lab.c.
TSAN_DIR     := build/tsan
TSAN_REPORTS := $(CURDIR)/$(TSAN_DIR)/reports
tsan:
	$(MAKE) all CC=clang BUILD=$(TSAN_DIR) BIN=$(TSAN_DIR) OPT="-O1 -g -fno-omit-frame-pointer" \
	  SAN="-fsanitize=thread"
	rm -rf $(TSAN_REPORTS) && mkdir -p $(TSAN_REPORTS)
	@st=0; \
	TSAN_OPTIONS="halt_on_error=1 exitcode=66 second_deadlock_stack=1 log_path=$(TSAN_REPORTS)/tsan" \
	  KIT_JOBS=1 KIT_BUILD=$(TSAN_DIR) KIT_BIN=$(TSAN_DIR) KIT_TSAN_REPORTS=$(TSAN_REPORTS) MPMS="worker event" \
	  SUITES="tests/worker.bats tests/event.bats tests/sanitize/tsan-load.bats" \
	  tests/run-all || st=1; \
	tests/sanitize/reports $(TSAN_REPORTS) ThreadSanitizer || st=1; \
	exit $$st

valgrind: all
	@KIT_JOBS=1 UNIT=0 SUITES=tests/sanitize/valgrind.bats tests/run-all
# ---- end of hardening ----

# ---- load generator and `make bench` (labs/tools, labs/bench) ----
# loadgen is the kit's own HTTP load generator (labs/tools/README.md).
# `make bench` compares the servers on this machine (labs/bench/bench.sh):
#   BENCH_SECONDS=N  seconds measured per scenario (default 4)
#   BENCH_RUNS=R     rounds over all servers; the table shows medians (default 1)
#   QUICK=1          a few seconds in all per scenario, for CI
#   PEERS=1          also Apache httpd (prefork, worker, event) and nginx
#   LIMIT=1          also the limit server (labs/bench/limit)
#   BENCH_WRK=1      then loadgen beside wrk (when installed) on event
#   BENCH_HOLD=N     then event holding N idle keep-alive connections
#   BENCH_OUT=DIR    where to write (default results/HOST-DATE)
LOADGEN_SRC := $(sort $(wildcard labs/tools/*.c))
LOADGEN_OBJ := $(LOADGEN_SRC:%.c=$(BUILD)/%.o)
LOADGEN     := $(BIN)/labs/tools/loadgen

all: $(LOADGEN)

$(LOADGEN_OBJ): $(wildcard labs/tools/*.h)

$(LOADGEN): $(LOADGEN_OBJ)
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -o $@ $^ $(LDLIBS)

bench: all
	@KIT_BIN='$(BIN)' BENCH_SECONDS='$(BENCH_SECONDS)' BENCH_RUNS='$(BENCH_RUNS)' QUICK='$(QUICK)' \
	  PEERS='$(PEERS)' LIMIT='$(LIMIT)' BENCH_WRK='$(BENCH_WRK)' BENCH_HOLD='$(BENCH_HOLD)' \
	  BENCH_OUT='$(BENCH_OUT)' CC='$(CC)' labs/bench/bench.sh

.PHONY: clean-loadgen
clean: clean-loadgen
clean-loadgen:
	rm -f labs/tools/loadgen
# ---- end of load generator and bench ----

# ---- slides: slides/README.md ----
# `make slides` renders every deck of slides/decks/*.md to one
# self-contained HTML file in slides/out/ (sh and awk only: no other tool),
# with the newest `make bench` results (results/*/) or the committed
# example (slides/figures/example/). tests/slides.bats runs it in `make test`.
.PHONY: slides
slides:
	@sh slides/tools/build.sh
# ---- end of slides ----

# ---- the limit server and `make perf`: labs/bench/README.md ----
# limit       the "limit" reference server (labs/bench/limit): the least any
#             server can do on this machine, to measure the kit against
# perf        a preset of `make bench`: PEERS=1 LIMIT=1 BENCH_WRK=1, three
#             rounds of 3 s, then event holding 10,000 idle connections
#             (each can be overridden: make perf BENCH_HOLD=0)
LIMIT_BIN := $(BIN)/labs/bench/limit

.PHONY: limit perf
all: $(LIMIT_BIN)
limit: $(LIMIT_BIN)

$(LIMIT_BIN): labs/bench/limit.c
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -o $@ $< $(LDLIBS)

perf: PEERS ?= 1
perf: LIMIT ?= 1
perf: BENCH_WRK ?= 1
perf: BENCH_RUNS ?= 3
perf: BENCH_SECONDS ?= 3
perf: BENCH_HOLD ?= 10000
perf: bench

.PHONY: clean-limit
clean: clean-limit
clean-limit:
	rm -f labs/bench/limit
# ---- end of the limit server and make perf ----

# ---- labs: labs/README.md ----
# labs-check  every lab's run.sh in QUICK=1 mode, with its checks
#             (tests/labs.bats, about 3.5 minutes; make test runs it too)
# labs-run    every lab in full, one after the other (about 20 minutes);
#             results in each lab's results/ folder
.PHONY: labs-check labs-run
labs-check: all
	bats tests/labs.bats

labs-run: all
	@for lab in labs/[0-9][0-9]-*/run.sh; do \
	  echo "== $$lab"; KIT_BIN='$(BIN)' $$lab || exit 1; done
# ---- end of labs ----

# ---- assignments: assignments/README.md ----
# handout     the student kit in build/handout: solution regions replaced
#             by stubs, instructor notes and reference results left out
#             (assignments/handout.sh)
# grade       grade every assignment, or one: make grade A=prefork-spares
#             (assignments/grade.sh; one line per check, then
#             "NAME: P/M points", last "total: P/M points")
.PHONY: handout grade
handout:
	@sh assignments/handout.sh

# Exit status 1 (some check failed) is a grade, not an error of make, so
# the last line stays the total; 2 (no such assignment) stops make.
grade: all
	@sh assignments/grade.sh $(A) || [ $$? -eq 1 ]
# ---- end of assignments ----

# ---- doctor: tools/doctor, TROUBLESHOOTING.md ----
# doctor      checks every tool and setting the kit uses and names the
#             package for each one missing; exit 1 when make test cannot
#             pass here (tests/doctor.bats)
.PHONY: doctor
doctor:
	@bash tools/doctor
# ---- end of doctor ----
