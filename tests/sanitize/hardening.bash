# hardening.bash - what the hardening suites share (tests/faults.bats,
# tests/soak.bats, tests/sanitize/*.bats): switching the server under test
# inside one suite, running the kit's load generator in the background, and
# reading a server's cost from /proc.
#
# What it teaches: "nothing leaked" is a measurement. A process's open
# descriptors are the entries of /proc/PID/fd, its memory is the Pss line
# of /proc/PID/smaps_rollup (its private pages plus its share of the
# shared ones, so a pool of children adds up correctly), and the CPU it
# burned is utime + stime in /proc/PID/stat, in clock ticks. Loaded after
# helpers.bash.

# These suites test several servers each, one test per server, each test
# pointing helpers.bash at its binary first.
use_mpm() { # prefork | worker | event: skips the test if it is not built
	set_mpm "$1" || return 1
	[ -x "$BIN" ] || skip "$MPM is not built ($BIN)"
}

# True if $BIN was built with a sanitizer (make sanitize, make tsan): its
# allocator keeps freed memory in quarantine and shadows the rest, so
# memory use there says nothing about leaks (LeakSanitizer does).
sanitized_build() {
	grep -qaE '__(asan|tsan|msan)_init' "$BIN"
}

# The load generator of the same build as the servers (make all builds it).
LOADGEN="$(in_root "${KIT_BIN:-.}")/labs/tools/loadgen"
LOADS=()

# load_start NAME LOADGEN_ARGS... PATH: run loadgen in the background
# against $PORT; its CSV row goes to $BATS_TEST_TMPDIR/load.NAME.
load_start() {
	local name=$1 n=$#

	[ -x "$LOADGEN" ] || fail "no load generator $LOADGEN (run make)" ||
		return 1
	"$LOADGEN" -q --csv "${@:2:n-2}" "http://127.0.0.1:$PORT${!n}" \
		>"$BATS_TEST_TMPDIR/load.$name" 2>&1 3>&- &
	LOADS+=("$!")
}

# Wait for every load started (a bare `wait` would wait for the server).
load_wait() {
	local pid status=0

	for pid in "${LOADS[@]}"; do
		wait "$pid" || status=1
	done
	LOADS=()
	return $status
}

# Stop loads still running (from teardown, after a failed assertion).
load_kill() {
	kit_end "${LOADS[@]}"
	LOADS=()
}

# load_field NAME COLUMN: one value of a load's CSV row (requests, errors,
# err_read, err_reset, err_connect, err_timeout, err_status, ...).
load_field() {
	awk -F, -v col="$2" '
		NR == 1 { for (i = 1; i <= NF; i++) if ($i == col) c = i }
		NR == 2 && c { print $c; found = 1 }
		END { if (!found) exit 1 }' "$BATS_TEST_TMPDIR/load.$1" ||
		{ echo "load $1 has no $2: $(cat "$BATS_TEST_TMPDIR/load.$1")" >&2
		  echo -1; }
}

# One line saying what a load counted, for failure messages.
load_summary() {
	local f

	printf '%s:' "$1"
	for f in requests errors err_connect err_read err_write err_timeout \
		 err_status err_reset err_protocol slow_errors idle_errors; do
		printf ' %s=%s' "$f" "$(load_field "$1" "$f" 2>/dev/null)"
	done
	echo
}

# ---- /proc ----

# The server's processes: the master and its live children, its process
# group (common/kit.sh).
server_pids() {
	group_pids "$SRV_PID"
}

fd_count() { # PID
	local n

	n="$(ls "/proc/$1/fd" 2>/dev/null | wc -l)" || n=-1
	echo "$n"
}

pss_kb() { # PID: proportional set size in KiB
	kit_pss_kib "$1"
}

# utime + stime in clock ticks of each PID given (threads included),
# summed (common/kit.sh).
cpu_ticks() { # PID...
	kit_cpu_ticks "$@"
}

# cpu_ms_over SECONDS PID...: CPU milliseconds the PIDs used in SECONDS.
cpu_ms_over() {
	local seconds=$1 hz before after

	shift
	hz="$(getconf CLK_TCK)"
	before="$(cpu_ticks "$@")"
	sleep "$seconds"
	after="$(cpu_ticks "$@")"
	echo $(((after - before) * 1000 / hz))
}

# Every server process: "PID fds pss_kb", one a line.
server_costs() {
	local pid

	for pid in $(server_pids); do
		echo "$pid $(fd_count "$pid") $(pss_kb "$pid")"
	done
}
