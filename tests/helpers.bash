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
# The kit's shell library: ports, starting and stopping, the process set,
# PSS and CPU ticks, MPM name -> binary.
source "$ROOT/common/kit.sh"
MPM="${MPM:-prefork}"

# A relative KIT_BIN or KIT_BUILD (as the Makefile passes them) is relative
# to the repository root, wherever bats was started from.
in_root() { kit_path "$1"; }

# set_mpm MPM: point the helpers at that server ($MPM, $MPM_DIR, $BIN).
set_mpm() {
	MPM="$1"
	MPM_DIR="$(kit_mpm_dir "$1")" || {
		echo "helpers.bash: MPM=$1 is not prefork, worker or event" >&2
		return 1
	}
	BIN="$(kit_binary "$1")"
}
set_mpm "$MPM" || return 1

# True when KIT_BIN is the plain build (the repository root): suites that
# measure time or memory (labs, graders) mean nothing under a sanitizer
# build (make sanitize sets KIT_BIN=build/asan) and skip there.
plain_build() {
	[ "$(cd "$(in_root "${KIT_BIN:-.}")" && pwd)" = "$ROOT" ]
}
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
	kit_wait_port "$PORT" "$SRV_JOB" "${1:-10}"
}

# Before each attempt of start_server: no file of an earlier one.
fresh_server_files() {
	rm -f "$SRV_DIR/pid" "$SRV_DIR/error.log" "$SRV_DIR/access.log"
}

# start_server [DIRECTIVE...]: run $BIN on a fresh port with its own logs,
# plus the given directives (each one -c argument, e.g. 'KeepAliveTimeout 1').
# A port another program took meanwhile (exit status 3) is retried on
# another port by kit_start.
start_server() {
	need_binaries || return 1
	SRV_DIR="${BATS_TEST_TMPDIR:-}"
	[ -n "$SRV_DIR" ] || SRV_DIR="$(mktemp -d)"
	SRV_DIR="$SRV_DIR/server"
	mkdir -p "$SRV_DIR"
	if kit_start -o "$SRV_DIR/stdout" -e "$SRV_DIR/stderr" \
		-b fresh_server_files -- "$BIN" -c "Listen 127.0.0.1:@PORT@" \
		-c "ErrorLog $SRV_DIR/error.log" \
		-c "CustomLog $SRV_DIR/access.log" \
		-c "PidFile $SRV_DIR/pid" "$@"; then
		PORT=$KIT_PORT SRV_JOB=$KIT_PID SRV_PID=$KIT_PID
		# Normally the same pid; the PidFile is the truth.
		[ ! -s "$SRV_DIR/pid" ] || SRV_PID="$(cat "$SRV_DIR/pid")"
		return 0
	fi
	PORT=$KIT_PORT
	echo "server did not answer on port $PORT ($KIT_WHY): $BIN $*" >&2
	show_logs >&2
	return 1
}

# start_server_from FUNCTION [ARG...]: start_server with each line that
# FUNCTION prints as one directive (-c), then the ARGs as they are.
start_server_from() {
	local args=() d

	while read -r d; do
		args+=(-c "$d")
	done < <("$1")
	start_server "${args[@]}" "${@:2}"
}

# start_thread_pool CHILDREN THREADS MAX_SPARE [DIRECTIVE...]: start_server
# with a worker or event pool sized exactly: at most CHILDREN children
# (ServerLimit) of THREADS threads (MaxRequestWorkers CHILDREN * THREADS),
# one child at start, MinSpareThreads 1, MaxSpareThreads MAX_SPARE; then
# each DIRECTIVE (one -c each).
start_thread_pool() {
	local args=() d

	for d in "${@:4}"; do
		args+=(-c "$d")
	done
	start_server -c 'StartServers 1' -c "ServerLimit $1" \
		-c "ThreadsPerChild $2" -c "MaxRequestWorkers $(($1 * $2))" \
		-c 'MinSpareThreads 1' -c "MaxSpareThreads $3" "${args[@]}"
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
	local pid="$SRV_PID" status=0

	[ -n "$pid" ] || return 0
	SRV_PID=""
	kit_stop "$pid" 5 || status=$?
	[ "$status" -eq 0 ] ||
		echo "stop_server: still running 5 s after TERM: $KIT_LEFT" >&2
	[ "$status" -lt 2 ] ||
		echo "stop_server: processes survived SIGKILL" >&2
	wait "$SRV_JOB" 2>/dev/null || true
	[ "$status" -eq 0 ]
}

# Live children of the master, one pid a line, sorted.
children_pids() {
	kit_children "$SRV_PID"
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

# The running server has one child, whose MaxConnectionsPerChild is below
# N: N requests are each answered 200, then within 10 s another child
# serves in its place, and the server answers.
assert_connections_replace_child() { # N
	local first i

	wait_until -t 5 count_is 1 ||
		fail "$(child_count) children at start, not 1" || return 1
	first="$(children_pids)"
	for i in $(seq 1 "$1"); do
		assert_equal "$(http_code /files/1k.txt)" 200 "request $i" ||
			return 1
	done
	replaced() {
		local now

		now="$(children_pids)"
		[ -n "$now" ] && ! grep -qx "$first" <<<"$now"
	}
	wait_until -t 10 replaced ||
		fail "child $first still serving: $(children_pids)" || return 1
	assert_alive
}

# GET /lab/crash (LabHandlers On): the child serving it dies, so the
# client gets no answer, only the connection closed (curl exit 52 or 56).
assert_crash_request_unanswered() {
	local rc=0

	curl -s -o /dev/null --max-time 10 \
		"http://127.0.0.1:$PORT/lab/crash" || rc=$?
	[ "$rc" = 52 ] || [ "$rc" = 56 ] ||
		fail "the crashing request: curl exit $rc, not 52/56"
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
	kit_status_value "$PORT" "$1" 10
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
	kit_end "${CLIENTS[@]}"
	CLIENTS=()
}

# A column of a loadgen --csv file (header line, then one row).
csv_field() { # FILE COLUMN
	awk -F, -v col="$2" '
		NR == 1 { for (i = 1; i <= NF; i++) if ($i == col) c = i }
		NR == 2 && c { print $c; found = 1 }
		END { if (!found) exit 1 }' "$1"
}

# The counts of a loadgen --csv file that say what failed, on one line.
csv_errors() { # FILE
	local f

	for f in requests errors err_connect err_read err_write err_timeout \
		 err_status err_reset err_protocol; do
		printf '%s=%s ' "$f" "$(csv_field "$1" "$f")"
	done
}

# After start_server: 16 keep-alive connections of load for 6 s with three
# USR1 (graceful restarts) 1.5 s apart. Not one request may fail: an old
# child keeps its idle keep-alive connections until the next request on
# each (answered with "Connection: close") or KeepAliveTimeout, so no
# client sends a request into a connection that is being closed. The
# children must all be new ones afterwards, and the error log must say so.
assert_graceful_restart_loses_nothing() {
	local loadgen csv before load i requests errors

	loadgen="$(in_root "${KIT_BIN:-.}")/labs/tools/loadgen"
	[ -x "$loadgen" ] || fail "no $loadgen (run make)" || return 1
	before="$(children_pids)"
	csv="$BATS_TEST_TMPDIR/graceful.csv"
	"$loadgen" -q --csv -c 16 -t 2 --timeout 10s -d 6s \
		"http://127.0.0.1:$PORT/files/1k.txt" >"$csv" 2>&1 3>&- &
	load=$!
	for i in 1 2 3; do
		sleep 1.5
		kill -USR1 "$SRV_PID"
	done
	wait "$load" || fail "loadgen failed: $(cat "$csv")" || return 1
	requests="$(csv_field "$csv" requests)"
	errors="$(csv_field "$csv" errors)"
	echo "# $MPM USR1 x3 under keep-alive load: $(csv_errors "$csv")" >&3
	[ "${requests:-0}" -ge 100 ] ||
		fail "only $requests requests: $(csv_errors "$csv")" || return 1
	assert_equal "$errors" 0 "failed requests ($(csv_errors "$csv"))" ||
		return 1
	[ "$(grep -c 'Doing graceful restart' "$SRV_DIR/error.log")" -eq 3 ] ||
		fail "not 3 graceful restarts in the error log" || return 1
	renewed() { ! children_pids | grep -qxF -f <(echo "$before"); }
	wait_until -t 15 renewed ||
		fail "old children still there: $(children_pids | tr '\n' ' ')" ||
		return 1
	assert_alive
}

# After start_server: a keep-alive connection, idle after its first
# answer when a USR1 comes, is kept by its old child, which shows 'G' in
# the scoreboard meanwhile: its next request is answered (200,
# "Connection: close"), then the connection closes.
assert_idle_keepalive_survives_graceful_restart() {
	local fd line reply='' req='/files/1k.txt HTTP/1.1\r\nHost: t\r\n\r\n'

	exec {fd}<>"/dev/tcp/127.0.0.1/$PORT" || return 1
	printf "HEAD $req" >&"$fd"   # a head only: read up to its blank line
	while IFS= read -r -t 10 line <&"$fd" && [ -n "${line%$'\r'}" ]; do
		reply+="${line%$'\r'}"$'\n'
	done
	assert_status "$reply" 200 || return 1
	kill -USR1 "$SRV_PID"
	sleep 1  # the old child is in its graceful stop now
	# Its worker finishing this connection shows 'G' ("gracefully
	# finishing"), whatever it is doing.
	[ "$(status_auto GracefulWorkers)" -ge 1 ] ||
		fail "no 'G' in $(status_auto Scoreboard)" || return 1
	printf "GET $req" >&"$fd" 2>/dev/null
	reply="$(timeout 10 cat <&"$fd" | tr -d '\r')"
	exec {fd}>&-
	assert_status "$reply" 200 || return 1
	assert_equal "$(header_value "$reply" Connection)" close \
		"Connection header of the answer after USR1"
}
