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
	@echo "make            build the servers (01-prefork/prefork ...), unit tests and test tools"
	@echo "make test       run every test suite (C unit tests and Bats) and print 'N passed, M failed'"
	@echo "make run MPM=prefork   start that server on port 8080 with the bundled docroot and LabHandlers On"
	@echo "make bench      the main job: compare the servers (see README)"
	@echo "make sanitize   build with ASan+UBSan (clang if present) and run the whole suite"
	@echo "make CC=clang   build with clang instead of gcc"
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
	@case "$(MPM)" in prefork) d=01-prefork;; worker) d=02-worker;; event) d=03-event;; \
	  *) echo "make run: MPM=$(MPM) is not one of prefork, worker, event"; exit 2;; esac; \
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
	ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
	  KIT_BUILD=build/asan KIT_BIN=build/asan tests/run-all

clean:
	rm -rf build 01-prefork/prefork 02-worker/worker 03-event/event
