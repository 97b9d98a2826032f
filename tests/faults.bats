#!/usr/bin/env bats
# faults.bats - the three servers under load while things go wrong: children
# killed, restarts, no file descriptors left. Nothing may be lost that the
# fault did not take.
#
# What it teaches: robustness is counted, not claimed. A load generator
# (labs/tools/loadgen, one new connection per request so that every
# failure is the server's) runs while the test
#  - kills a random child with SIGKILL every second: only the requests in
#    flight on that child may fail (prefork: one at most, the child serves
#    one connection; worker and event: the child's threads' worth), the
#    master brings the pool back, and a load afterwards sees no error;
#  - sends USR1 three times (graceful restart: zero failed requests) and
#    HUP once (restart now: only requests in flight may fail);
#  - starts the server with `ulimit -n 64` and holds more connections than
#    that: the server keeps a reserve of descriptors, so it answers the
#    connections it has (files included), leaves the rest in the listen
#    backlog, says so in the error log once, does not spin on the
#    listening socket, and serves normally again once the clients leave
#    (worker and event: a prefork child holds one connection);
#  - sends 150 clients at once to each server at `ulimit -n 64`: every
#    request gets its file, none a 503.
# Each test runs one server; the three servers get one test each. About
# 70 s in all. Run: bats tests/faults.bats

load helpers
load sanitize/hardening

teardown() {
	load_kill
	close_held
	stop_server
}

# Errors that only a fault the test caused can explain: the connection was
# closed or reset under a request. A refused connection, a timeout, a
# non-2xx answer or a garbled response is a bug, fault or not.
assert_only_lost_in_flight() { # LOAD MAX
	local f n lost

	for f in err_connect err_timeout err_status err_protocol; do
		n="$(load_field "$1" "$f")"
		[ "$n" -eq 0 ] || fail "$f=$n: $(load_summary "$1")" || return 1
	done
	lost="$(load_field "$1" errors)"
	[ "$lost" -le "$2" ] ||
		fail "$lost failed requests, at most $2 allowed: $(load_summary "$1")"
}

assert_no_error() { # LOAD
	local n

	n="$(load_field "$1" errors)"
	[ "$n" -eq 0 ] || fail "$n failed requests: $(load_summary "$1")"
}

assert_requests_at_least() { # LOAD N
	local n

	n="$(load_field "$1" requests)"
	[ "$n" -ge "$2" ] ||
		fail "only $n requests done (load too small to mean anything):" \
			"$(load_summary "$1")"
}

children_at_least() { # N
	[ "$(child_count)" -ge "$1" ]
}

# ---- kill -9 a random child every second ----

CLIENTS=8          # concurrent clients of the loads below
KILL_SECONDS=10    # length of the load; one kill a second inside it

# A pool that the master must keep at a known size: prefork 4 idle
# children at least; worker and event 2 children of 8 threads.
pool_directives() {
	case $MPM in
	prefork)
		printf '%s\n' 'StartServers 4' 'MinSpareServers 4' \
			'MaxSpareServers 8' ;;
	*)
		printf '%s\n' 'StartServers 2' 'ThreadsPerChild 8' \
			'MinSpareThreads 16' 'MaxSpareThreads 32' 'ServerLimit 4' \
			'MaxRequestWorkers 32' ;;
	esac
}

start_pool_server() {
	start_server_from pool_directives -c 'LabHandlers On'
}

# The children pool_directives asks for.
pool_size() {
	case $MPM in
	prefork) echo 4 ;;
	*) echo 2 ;;
	esac
}

# How many requests one killed child can take down with it.
in_flight_per_child() {
	case $MPM in
	prefork) echo 1 ;;
	*) echo "$CLIENTS" ;; # all clients may be on it (8 threads)
	esac
}

kill_children_under_load() {
	local kills=0 i victim floor

	start_pool_server
	floor="$(pool_size)"
	wait_until -t 10 children_at_least "$floor" ||
		fail "$(child_count) children at start, not $floor" || return 1
	load_start kill -c "$CLIENTS" --close --timeout 10s -d "${KILL_SECONDS}s" \
		'/lab/sleep?ms=20'
	for i in $(seq 2 "$KILL_SECONDS"); do
		sleep 1
		victim="$(children_pids | shuf -n 1)"
		[ -n "$victim" ] && kill -KILL "$victim" 2>/dev/null &&
			kills=$((kills + 1))
	done
	load_wait
	echo "# $MPM: $kills kills, $(load_summary kill)" >&3
	[ "$kills" -ge $((KILL_SECONDS - 3)) ] ||
		fail "only $kills children could be killed" || return 1
	assert_requests_at_least kill 100 || return 1
	assert_only_lost_in_flight kill $((kills * $(in_flight_per_child))) ||
		return 1
	grep -q 'exit signal.*(9)' "$SRV_DIR/error.log" ||
		fail "the master did not log the killed children" || return 1
	wait_until -t 10 children_at_least "$floor" ||
		fail "$(child_count) children 10 s later, not $floor again" ||
		return 1
	# Healthy: a short load after the faults loses nothing.
	load_start after -c "$CLIENTS" --close -d 2s '/files/1k.txt'
	load_wait
	assert_no_error after || return 1
	assert_requests_at_least after 20 || return 1
	assert_alive
}

@test "prefork: kill -9 a child every second under load, only its request lost" {
	use_mpm prefork
	kill_children_under_load
}

@test "worker: kill -9 a child every second under load, only its requests lost" {
	use_mpm worker
	kill_children_under_load
}

@test "event: kill -9 a child every second under load, only its requests lost" {
	use_mpm event
	kill_children_under_load
}

# ---- USR1 three times, HUP once ----

restarts_under_load() {
	local i

	start_pool_server
	load_start usr1 -c "$CLIENTS" --close --timeout 10s -d 6s \
		'/lab/sleep?ms=20'
	for i in 1 2 3; do
		sleep 1.5
		kill -USR1 "$SRV_PID"
	done
	load_wait
	echo "# $MPM USR1: $(load_summary usr1)" >&3
	assert_requests_at_least usr1 100 || return 1
	assert_no_error usr1 || return 1
	[ "$(grep -c 'Doing graceful restart' "$SRV_DIR/error.log")" -eq 3 ] ||
		fail "the master did not log 3 graceful restarts" || return 1

	load_start hup -c "$CLIENTS" --close --timeout 10s -d 3s \
		'/lab/sleep?ms=20'
	sleep 1
	kill -HUP "$SRV_PID"
	load_wait
	echo "# $MPM HUP: $(load_summary hup)" >&3
	assert_requests_at_least hup 30 || return 1
	# HUP stops the children now: what they were serving may be lost,
	# nothing else. Each client has one request in flight; its retry may
	# land on a child that is just stopping too, hence twice that.
	assert_only_lost_in_flight hup $((2 * CLIENTS)) || return 1
	grep -q 'SIGHUP received' "$SRV_DIR/error.log" ||
		fail "the master did not log the restart" || return 1
	assert_alive
}

@test "prefork: USR1 three times under load loses nothing, HUP only in-flight requests" {
	use_mpm prefork
	restarts_under_load
}

@test "worker: USR1 three times under load loses nothing, HUP only in-flight requests" {
	use_mpm worker
	restarts_under_load
}

@test "event: USR1 three times under load loses nothing, HUP only in-flight requests" {
	use_mpm event
	restarts_under_load
}

# ---- out of file descriptors ----

HELD=()       # descriptors of the connections this test holds open

hold_connections() { # N
	local i fd

	for i in $(seq 1 "$1"); do
		exec {fd}<>"/dev/tcp/127.0.0.1/$PORT" || return 1
		HELD+=("$fd")
	done
}

close_held() {
	local fd

	for fd in "${HELD[@]}"; do
		exec {fd}>&-
	done
	HELD=()
}

# The server's side of the limit: run it through a wrapper that lowers
# `ulimit -n` and then becomes the server (exec keeps the pid).
start_low_fd_server() { # LIMIT DIRECTIVE...
	local wrapper="$BATS_TEST_TMPDIR/lowfd" limit=$1

	shift
	printf '#!/bin/sh\nulimit -n %s || exit 1\nexec "%s" "$@"\n' \
		"$limit" "$BIN" >"$wrapper"
	chmod +x "$wrapper"
	BIN="$wrapper" start_server "$@"
}

# The error log's line for the descriptor reserve (common/net.c).
reserve_lines() {
	grep -c 'limit of open files' "$SRV_DIR/error.log" || true
}

reserve_logged() {
	[ "$(reserve_lines)" -gt 0 ]
}

serves_a_file() {
	[ "$(http_code /files/1k.txt)" = 200 ]
}

fds_at_most() { # PID N
	[ "$(fd_count "$1")" -le "$2" ]
}

# One child whose threads outnumber its descriptors: ThreadsPerChild 64
# idle threads would let the listener accept until nothing is left to
# open a file with. It keeps a reserve instead.
LOW_FD_CHILD=(-c 'LabHandlers On' -c 'StartServers 1' -c 'ServerLimit 1'
	-c 'ThreadLimit 64' -c 'ThreadsPerChild 64' -c 'MaxRequestWorkers 64'
	-c 'MinSpareThreads 1' -c 'MaxSpareThreads 128' -c 'Timeout 30')

out_of_descriptors() {
	local child base_fds cpu_ms reply

	start_low_fd_server 64 "${LOW_FD_CHILD[@]}"
	wait_until -t 5 children_at_least 1 || fail "no child" || return 1
	child="$(children_pids | head -n 1)"
	base_fds="$(fd_count "$child")"
	hold_connections 100 || fail "could not open 100 connections" ||
		return 1
	wait_until -t 10 reserve_logged ||
		fail "no 'limit of open files' in the error log with" \
			"$(fd_count "$child") descriptors open" || return 1

	# No spinning on a listening socket it does not accept from.
	cpu_ms="$(cpu_ms_over 3 $(server_pids))"
	echo "# $MPM: $(fd_count "$child") fds in the child, ${cpu_ms} ms CPU in 3 s" >&3
	[ "$cpu_ms" -lt 900 ] ||
		fail "the server used $cpu_ms ms of CPU in 3 s while out of" \
			"descriptors: it spins" || return 1

	# It serves the connections it holds, files included: the reserve.
	printf 'GET /server-status?auto HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n' \
		>&"${HELD[0]}"
	reply="$(timeout 10 head -n 1 <&"${HELD[0]}" | tr -d '\r')"
	assert_equal "$reply" "HTTP/1.1 200 OK" "status line on a held connection" ||
		return 1
	printf 'GET /files/1k.txt HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n' \
		>&"${HELD[1]}"
	reply="$(timeout 10 head -n 1 <&"${HELD[1]}" | tr -d '\r')"
	assert_equal "$reply" "HTTP/1.1 200 OK" "a file on a held connection" ||
		return 1
	assert_equal "$(reserve_lines)" 1 "lines about the limit in the log" ||
		return 1

	# The clients leave: descriptors come back, files are served again.
	close_held
	wait_until -t 10 fds_at_most "$child" $((base_fds + 1)) ||
		fail "the child still holds $(fd_count "$child") descriptors," \
			"$base_fds before" || return 1
	wait_until -t 10 serves_a_file ||
		fail "no file served 10 s after the clients left" || return 1
	assert_alive
}

# 150 clients at once, a new connection per request, against processes
# that may open 64 descriptors each: every request gets its file (no 503),
# the excess waits in the listen backlog. A prefork child holds one
# connection, so it never comes near its limit; a worker child only when
# more than about 24 of its threads are busy at once, which depends on
# the machine; event holds every connection it accepts, so it reaches the
# limit and says so, once. (The held connections above make worker reach
# it for sure.) At least 100 of the clients wait in the backlog before
# the children may accept, so that "at once" holds on a busy machine.
# backlog_count: connections waiting in the server's listen backlog (ss:
# the Recv-Q of a listening socket).
backlog_count() {
	ss -Hltn "sport = :$PORT" | awk '{ n += $2 } END { print n + 0 }'
}

backlog_at_least() { [ "$(backlog_count)" -ge "$1" ]; }

fd_limit_under_load() {
	local lines pids

	case $MPM in
	prefork)
		start_low_fd_server 64 -c 'StartServers 5' \
			-c 'MinSpareServers 5' -c 'MaxSpareServers 10' \
			-c 'MaxRequestWorkers 16' ;;
	*)
		start_low_fd_server 64 "${LOW_FD_CHILD[@]}" ;;
	esac
	# All 150 at once, however busy the machine: the children are
	# stopped while the clients connect (the kernel completes each
	# handshake into the listen backlog), then go on to find every one
	# of them waiting.
	pids="$(children_pids)"
	[ -n "$pids" ] || fail "no child to stop" || return 1
	# shellcheck disable=SC2086 # one pid a word
	kill -STOP $pids
	load_start fd -c 150 --close --timeout 20s -n 1500 -d 25s \
		'/files/1k.txt'
	wait_until -t 5 backlog_at_least 100 || {
		kill -CONT $pids
		fail "only $(backlog_count) connections waiting"
		return 1
	}
	# shellcheck disable=SC2086
	kill -CONT $pids
	load_wait
	echo "# $MPM at ulimit -n 64: $(load_summary fd)" >&3
	assert_requests_at_least fd 1500 || return 1
	assert_no_error fd || return 1
	lines="$(reserve_lines)"
	case $MPM in
	event) [ "$lines" -eq 1 ] ;;
	*) [ "$lines" -le 1 ] ;;
	esac || fail "$lines lines about the limit in the log" || return 1
	assert_alive
}

@test "prefork: at ulimit -n 64, 150 clients at once all get their file" {
	use_mpm prefork
	fd_limit_under_load
}

@test "worker: at ulimit -n 64, 150 clients at once all get their file" {
	use_mpm worker
	fd_limit_under_load
}

@test "event: at ulimit -n 64, 150 clients at once all get their file, limit logged once" {
	use_mpm event
	fd_limit_under_load
}

@test "worker: out of descriptors, it serves what it holds, files too, logs once, no spin, recovers" {
	use_mpm worker
	out_of_descriptors
}

@test "event: out of descriptors, it serves what it holds, files too, logs once, no spin, recovers" {
	use_mpm event
	out_of_descriptors
}
