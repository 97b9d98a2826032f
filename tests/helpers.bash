# helpers.bash - what every Bats suite of the kit shares: finding the
# binaries, starting a server under test and always stopping it, and small
# assertions (the kit uses plain Bats, without bats-assert).
#
# What it teaches: a test of a network server must own the server's whole
# life. start_server picks a free port, runs the server in its own session
# (setsid) so that a master signalling its process group cannot hit the test
# runner, and waits until the port answers; stop_server, called from every
# suite's teardown(), kills that process group and fails the test if any
# process of it survives.
#
# Environment: MPM (prefork, worker, event; default prefork) names the
# server; KIT_BIN is the directory holding 01-prefork/prefork etc. (default
# the repository root; build/asan for the sanitizer build); KIT_BUILD holds
# tests/tools/rawclient (default build/plain).

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
# port_in_use, pick_port, process_alive, group_pids, now_ms
source "$ROOT/common/kit.sh"
MPM="${MPM:-prefork}"
case "$MPM" in
prefork) MPM_DIR=01-prefork ;;
worker) MPM_DIR=02-worker ;;
event) MPM_DIR=03-event ;;
*) echo "helpers.bash: MPM=$MPM is not prefork, worker or event" >&2
   return 1 ;;
esac

# A relative KIT_BIN or KIT_BUILD (as the Makefile passes them) is relative
# to the repository root, wherever bats was started from.
in_root() {
	case "$1" in
	/*) echo "$1" ;;
	*) echo "$ROOT/$1" ;;
	esac
}
# True when KIT_BIN is the plain build (the repository root): suites that
# measure time or memory (labs, graders) mean nothing under a sanitizer
# build (make sanitize sets KIT_BIN=build/asan) and skip there.
plain_build() {
	[ "$(cd "$(in_root "${KIT_BIN:-.}")" && pwd)" = "$ROOT" ]
}

BIN="$(in_root "${KIT_BIN:-.}")/$MPM_DIR/$MPM"
RAW="$(in_root "${KIT_BUILD:-build/plain}")/tests/tools/rawclient"
HTDOCS="$ROOT/common/htdocs"

SRV_PID=""   # the master, leader of the server's process group
SRV_JOB=""   # what $! gave: the same process unless setsid had to fork
SRV_DIR=""   # error.log, access.log, pid, stderr of the server
PORT=""

# ---- assertions: each prints what it saw and returns 1 on failure ----

fail() {
	echo "FAIL: $*" >&2
	return 1
}

assert_equal() { # ACTUAL EXPECTED [WHAT]
	[ "$1" = "$2" ] && return 0
	fail "${3:-value}: expected [$2], got [$1]"
}

assert_match() { # STRING ERE [WHAT]
	[[ "$1" =~ $2 ]] && return 0
	fail "${3:-output} does not match /$2/: [$1]"
}

assert_contains() { # HAYSTACK NEEDLE
	[[ "$1" == *"$2"* ]] && return 0
	fail "expected to contain [$2]: [$1]"
}

assert_not_contains() { # HAYSTACK NEEDLE
	[[ "$1" != *"$2"* ]] && return 0
	fail "must not contain [$2]: [$1]"
}

# The first line of a response (CRs already removed) is "HTTP/1.1 CODE
# Reason": the code is exact, the reason phrase any text (RFC 9110 renamed
# a few, e.g. 413 Content Too Large).
assert_status() { # RESPONSE_TEXT CODE
	local first="${1%%$'\n'*}"

	first="${first%$'\r'}"
	[[ "$first" =~ ^HTTP/1\.1\ $2\ [A-Za-z][A-Za-z\ -]*$ ]] && return 0
	fail "expected status line HTTP/1.1 $2 ..., got [$first]"
}

# One header's value from a response head (case-insensitive name, CRs
# removed); empty if absent. Looks only at the first response's head.
header_value() { # RESPONSE_TEXT NAME
	printf '%s\n' "$1" | tr -d '\r' | awk -v name="$2" '
		/^$/ { exit }
		NR > 1 { i = index($0, ":")
			 if (tolower(substr($0, 1, i - 1)) == tolower(name)) {
				 v = substr($0, i + 1); sub(/^[ \t]+/, "", v)
				 print v; exit } }'
}

# The body of a single response: everything after the first blank line.
body_of() { # RESPONSE_TEXT
	printf '%s' "$1" | tr -d '\r' | sed '1,/^$/d'
}

# ---- the server under test ----

need_binaries() {
	[ -x "$BIN" ] || fail "no server binary $BIN (run make)" || return 1
	[ -x "$RAW" ] || fail "no $RAW (run make)" || return 1
}

# Succeeds once the server answers HTTP on $PORT; fails at once if the
# process died, or after ${1:-10} seconds.
wait_for_port() {
	local deadline=$((SECONDS + ${1:-10}))

	while [ "$SECONDS" -lt "$deadline" ]; do
		curl -s -o /dev/null --max-time 1 "http://127.0.0.1:$PORT/" &&
			return 0
		process_alive "$SRV_JOB" || return 1
		sleep 0.05
	done
	return 1
}

# start_server [DIRECTIVE...]: run $BIN on a fresh port with its own logs,
# plus the given directives (each one -c argument, e.g. 'KeepAliveTimeout 1').
start_server() {
	local attempt

	need_binaries || return 1
	SRV_DIR="${BATS_TEST_TMPDIR:-}"
	[ -n "$SRV_DIR" ] || SRV_DIR="$(mktemp -d)"
	SRV_DIR="$SRV_DIR/server"
	mkdir -p "$SRV_DIR"
	for attempt in 1 2 3 4 5; do
		PORT="$(pick_port)" || fail "no free port found" || return 1
		rm -f "$SRV_DIR/pid" "$SRV_DIR/error.log" "$SRV_DIR/stderr"
		# 3>&- : Bats waits for fd 3 to close; a server holding it
		# would hang the run.
		setsid "$BIN" -c "Listen 127.0.0.1:$PORT" \
			-c "ErrorLog $SRV_DIR/error.log" \
			-c "CustomLog $SRV_DIR/access.log" \
			-c "PidFile $SRV_DIR/pid" "$@" \
			</dev/null >"$SRV_DIR/stdout" 2>"$SRV_DIR/stderr" 3>&- &
		SRV_JOB=$!
		SRV_PID=$SRV_JOB
		if wait_for_port 10; then
			# Normally the same pid; the PidFile is the truth.
			[ -s "$SRV_DIR/pid" ] && SRV_PID="$(cat "$SRV_DIR/pid")"
			return 0
		fi
		if ! process_alive "$SRV_JOB" &&
		   grep -qi 'in use' "$SRV_DIR/stderr" "$SRV_DIR/error.log" \
			2>/dev/null; then
			wait "$SRV_JOB" 2>/dev/null || true
			continue  # another program took the port: try another
		fi
		break
	done
	echo "server did not answer on port $PORT: $BIN $*" >&2
	show_logs >&2
	stop_server
	return 1
}

show_logs() {
	local f

	for f in stderr error.log; do
		[ -s "$SRV_DIR/$f" ] || continue
		echo "--- $f (last 30 lines)"
		tail -n 30 "$SRV_DIR/$f"
	done
}

# Stop the server: TERM to its process group, KILL after 5 s. Fails (so
# that the test fails) if the server did not stop by itself in time, or if
# a process of its group is still alive after the KILL.
stop_server() {
	local pid="$SRV_PID" deadline left status=0

	[ -n "$pid" ] || return 0
	SRV_PID=""
	kill -TERM -- "-$pid" 2>/dev/null || true
	deadline=$((SECONDS + 5))
	while [ -n "$(group_pids "$pid")" ] && [ "$SECONDS" -le "$deadline" ]
	do
		sleep 0.05
	done
	left="$(group_pids "$pid")"
	if [ -n "$left" ]; then
		echo "stop_server: still running 5 s after TERM:" $left >&2
		kill -KILL -- "-$pid" 2>/dev/null || true
		sleep 0.2
		status=1
	fi
	wait "$SRV_JOB" 2>/dev/null || true
	left="$(group_pids "$pid")"
	if [ -n "$left" ]; then
		echo "stop_server: processes survived SIGKILL:" $left >&2
		status=1
	fi
	return $status
}

# Live children of the master, one pid a line, sorted.
children_pids() {
	ps -o pid=,stat= --ppid "$SRV_PID" 2>/dev/null |
		awk '$2 !~ /^Z/ { print $1 }' | sort -n
}

# How many live children the master has (children_pids), compared.
child_count() {
	children_pids | wc -l
}

count_is() { # N
	[ "$(child_count)" -eq "$1" ]
}

count_at_most() { # N
	[ "$(child_count)" -le "$1" ]
}

# The running server has N children; kill -9 one: within 10 s the master
# has N again, the victim not among them, and the server answers.
assert_killed_child_is_replaced() { # N
	local victim

	wait_until -t 5 count_is "$1" ||
		fail "$(child_count) children at start, not $1" || return 1
	victim="$(children_pids | head -n 1)"
	kill -KILL "$victim"
	replaced() { count_is "$1" && ! children_pids | grep -qx "$victim"; }
	wait_until -t 10 replaced "$1" ||
		fail "after kill -9 $victim: children" \
			"$(children_pids | tr '\n' ' ')" || return 1
	assert_alive
}

# ---- talking to it ----

# http_get PATH [CURL_ARGS...]: the body, with a bounded wait.
http_get() {
	local path="$1"

	shift
	curl -s --max-time 10 "$@" "http://127.0.0.1:$PORT$path"
}

# http_code PATH [CURL_ARGS...]: only the status code (000 on no response).
http_code() {
	local path="$1"

	shift
	curl -s -o /dev/null -w '%{http_code}' --max-time 10 "$@" \
		"http://127.0.0.1:$PORT$path"
}

# status_auto KEY: one value of /server-status?auto.
status_auto() {
	http_get '/server-status?auto' | tr -d '\r' |
		awk -v key="$1" 'index($0, key ": ") == 1 {
			print substr($0, length(key) + 3); exit }'
}

# raw [RAWCLIENT_OPTIONS...] BYTES: rawclient against $PORT, exact bytes out.
raw() {
	local n=$#

	"$RAW" "${@:1:n-1}" "$PORT" "${!n}"
}

# raw_text: the same with CRs removed, for line-oriented checks.
raw_text() {
	raw "$@" | tr -d '\r'
}

# wait_until [-t SECONDS] CMD...: run CMD every 0.1 s until it succeeds;
# fails after SECONDS (default 10).
wait_until() {
	local limit=10 deadline

	if [ "$1" = -t ]; then
		limit="$2"
		shift 2
	fi
	deadline=$((SECONDS + limit))
	until "$@"; do
		[ "$SECONDS" -lt "$deadline" ] || return 1
		sleep 0.1
	done
}

# The server still answers a normal request with the right bytes. Every
# test that sends bad input ends with it.
assert_alive() {
	local code size=0 got="$SRV_DIR/alive"

	rm -f "$got"
	code="$(curl -s -o "$got" -w '%{http_code}' --max-time 10 \
		"http://127.0.0.1:$PORT/files/1k.txt")" || true
	[ -f "$got" ] && size="$(wc -c <"$got")"
	[ "$code" = 200 ] && [ "$size" -eq 1024 ] && return 0
	show_logs >&2
	fail "server no longer answers: GET /files/1k.txt gave $code, $size bytes"
}

# ---- clients in the background ----

# Run `curl PATH` in the background N times; each writes its status code
# (or 000) to $BATS_TEST_TMPDIR/codes.NAME.I. wait_gets waits for them (a
# bare `wait` would wait for the server too).
GETS=()
parallel_gets() { # NAME N PATH
	local i

	for i in $(seq 1 "$2"); do
		curl -s -o /dev/null -w '%{http_code}' --max-time 30 \
			"http://127.0.0.1:$PORT$3" \
			>"$BATS_TEST_TMPDIR/codes.$1.$i" 2>/dev/null 3>&- &
		GETS+=($!)
	done
}

wait_gets() {
	local pid

	for pid in "${GETS[@]}"; do
		wait "$pid" || true
	done
	GETS=()
}

# All N status codes of parallel_gets NAME are 200.
all_ok() { # NAME N
	local i code

	for i in $(seq 1 "$2"); do
		code="$(cat "$BATS_TEST_TMPDIR/codes.$1.$i" 2>/dev/null)"
		[ "$code" = 200 ] || fail "request $i of $1 gave [$code]" ||
			return 1
	done
}

# Other background clients a test starts (rawclient holders...): add their
# pids to CLIENTS; stop_clients (in teardown) ends them.
CLIENTS=()
stop_clients() {
	local pid

	for pid in "${CLIENTS[@]}"; do
		kill "$pid" 2>/dev/null
		wait "$pid" 2>/dev/null
	done
	CLIENTS=()
}

# After start_server: 200 sequential requests with a USR1 (graceful
# restart) in the middle. Every one must be answered 200, the children
# must all be new ones afterwards, and the error log must say so.
assert_graceful_restart_loses_nothing() {
	local before codes loop

	before="$(children_pids)"
	codes="$BATS_TEST_TMPDIR/codes"
	(
		for i in $(seq 1 200); do
			curl -s -o /dev/null -w '%{http_code}\n' --max-time 10 \
				"http://127.0.0.1:$PORT/files/1k.txt"
		done >"$codes"
	) 3>&- &
	loop=$!
	half() { [ "$(wc -l <"$codes")" -ge 60 ]; }
	wait_until -t 20 half || fail "the load did not start" || return 1
	kill -USR1 "$SRV_PID"
	wait "$loop"
	assert_equal "$(wc -l <"$codes")" 200 "requests done" || return 1
	assert_equal "$(grep -cx 200 "$codes")" 200 "requests answered 200" ||
		return 1
	renewed() { ! children_pids | grep -qxF -f <(echo "$before"); }
	wait_until -t 10 renewed ||
		fail "old children still there: $(children_pids | tr '\n' ' ')" ||
		return 1
	grep -q 'graceful restart' "$SRV_DIR/error.log" ||
		fail "no graceful restart in the error log" || return 1
	assert_alive
}
