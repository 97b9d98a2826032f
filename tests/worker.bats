#!/usr/bin/env bats
# worker.bats - the behaviour that makes 02-worker a worker MPM.
#
# What it teaches: a worker child is a listener thread plus ThreadsPerChild
# worker threads, and the master keeps the idle *threads* between
# MinSpareThreads and MaxSpareThreads by adding or retiring whole children.
# Each test makes one property visible: children come and go with the
# load; an idle keep-alive connection holds its thread until
# KeepAliveTimeout (the starvation 03-event removes) and the two cures;
# children are replaced after MaxConnectionsPerChild or a kill -9; a
# graceful restart loses nothing; and what threads share: a non-thread-safe
# "library" (/lab/unsafe) gives wrong answers here and never in prefork,
# and one crashing request takes its child's other connections with it.
# Bounds are wide enough for a loaded 2-core machine.
# Run: bats tests/worker.bats (MPM is always worker here).

MPM=worker
load helpers

teardown() {
	stop_clients
	stop_server
}

GET_1K='GET /files/1k.txt HTTP/1.1\r\nHost: t\r\n\r\n'

# One child with two threads: the smallest pool that shows starvation.
TWO_THREADS=(-c 'ThreadsPerChild 2' -c 'ServerLimit 1' -c 'StartServers 1'
	-c 'MaxRequestWorkers 2' -c 'MinSpareThreads 1' -c 'MaxSpareThreads 2')

# Requests answered so far (one access log line each).
logged_at_least() { # N
	[ -f "$SRV_DIR/access.log" ] &&
		[ "$(wc -l <"$SRV_DIR/access.log")" -ge "$1" ]
}

# hold N: N connections, each sends a request, reads its response, then
# stays open and idle (keep-alive) until the server closes it (or 20 s).
hold() {
	"$RAW" -k "$1" -t 20000 "$PORT" "$GET_1K" >/dev/null 2>&1 3>&- &
	CLIENTS+=($!)
}

# timed_get PATH: prints "CODE MS" for one request on a new connection.
timed_get() {
	local t0 code

	t0="$(now_ms)"
	code="$(http_code "$1" --max-time 15)"
	echo "$code $(($(now_ms) - t0))"
}

@test "children follow MinSpareThreads/MaxSpareThreads: up under load, down when idle" {
	start_server -c 'ThreadsPerChild 4' -c 'StartServers 1' \
		-c 'MinSpareThreads 2' -c 'MaxSpareThreads 8' \
		-c 'ServerLimit 4' -c 'MaxRequestWorkers 16' -c 'LabHandlers On'
	wait_until -t 5 count_is 1 || fail "$(child_count) children at start"
	assert_equal "$(status_auto Processes)" 1 "Processes at start"
	# 12 connections, 4 threads: 8 wait in the backlog, no thread is
	# idle, and the master adds children (1, then 2 a second).
	parallel_gets load 12 '/lab/sleep?ms=3000'
	peak=1
	for i in $(seq 1 20); do  # watch for ~4 s
		n="$(child_count)"
		[ "$n" -le "$peak" ] || peak=$n
		sleep 0.2
	done
	procs="$(status_auto Processes)"
	wait_gets
	all_ok load 12
	[ "$peak" -ge 3 ] || fail "children peaked at $peak under 12 requests"
	[ "$peak" -le 4 ] || fail "$peak children with ServerLimit 4"
	[ "$procs" -ge 2 ] || fail "/server-status said Processes: $procs"
	# Idle: 16 idle threads > MaxSpareThreads 8, so one child a second
	# retires until at most 8 threads (2 children) are idle.
	fewer() { [ "$(status_auto Processes)" -le 2 ] && count_at_most 2; }
	wait_until -t 15 fewer ||
		fail "still $(child_count) children (peak $peak) after 15 s idle"
	idle="$(status_auto IdleWorkers)"
	[ "$idle" -ge 2 ] && [ "$idle" -le 8 ] ||
		fail "IdleWorkers $idle not within MinSpareThreads..MaxSpareThreads"
}

@test "an idle keep-alive connection holds its thread: status shows K" {
	start_thread_pool 1 3 4 'KeepAliveTimeout 5'
	hold 2
	wait_until -t 5 logged_at_least 2 || fail "the holders got no answer"
	board="$(status_auto Scoreboard)"
	ks="${board//[^K]/}"
	assert_equal "${#ks}" 2 "K threads in [$board]"
}

@test "starvation: two idle keep-alive clients make a third wait ~KeepAliveTimeout" {
	start_server "${TWO_THREADS[@]}" -c 'KeepAliveTimeout 3'
	hold 2
	wait_until -t 5 logged_at_least 2 || fail "the holders got no answer"
	read -r code ms <<<"$(timed_get /files/1k.txt)"
	assert_equal "$code" 200 "the third client"
	# Both threads sit in the idle connections until KeepAliveTimeout
	# (3 s) ends them; only then does the listener accept the third.
	[ "$ms" -ge 2000 ] || fail "the third client waited only $ms ms"
	[ "$ms" -lt 8000 ] || fail "the third client waited $ms ms"
}

@test "cure 1: KeepAlive Off, the third client is served at once" {
	start_server "${TWO_THREADS[@]}" -c 'KeepAlive Off'
	hold 2
	wait_until -t 5 logged_at_least 2 || fail "the holders got no answer"
	read -r code ms <<<"$(timed_get /files/1k.txt)"
	assert_equal "$code" 200 "the third client"
	[ "$ms" -lt 1500 ] || fail "the third client waited $ms ms"
}

@test "cure 2: KeepAliveTimeout 1, the third client waits at most ~1 s" {
	start_server "${TWO_THREADS[@]}" -c 'KeepAliveTimeout 1'
	hold 2
	wait_until -t 5 logged_at_least 2 || fail "the holders got no answer"
	read -r code ms <<<"$(timed_get /files/1k.txt)"
	assert_equal "$code" 200 "the third client"
	[ "$ms" -lt 3000 ] || fail "the third client waited $ms ms"
}

@test "MaxConnectionsPerChild 3 replaces a child, no request lost" {
	start_server -c 'ThreadsPerChild 2' -c 'StartServers 1' \
		-c 'MinSpareThreads 1' -c 'MaxSpareThreads 3' \
		-c 'MaxConnectionsPerChild 3'
	assert_connections_replace_child 5
}

@test "a child killed with SIGKILL is replaced" {
	start_server -c 'ThreadsPerChild 2' -c 'StartServers 2' \
		-c 'MinSpareThreads 4' -c 'MaxSpareThreads 6'
	assert_killed_child_is_replaced 2
}

@test "USR1 (graceful restart) under keep-alive load, three times: not one request lost" {
	start_server -c 'ThreadsPerChild 4' -c 'StartServers 2' \
		-c 'MinSpareThreads 4' -c 'MaxSpareThreads 12'
	wait_until -t 5 count_is 2
	assert_graceful_restart_loses_nothing
}

@test "USR1: an idle keep-alive connection gets its next request answered, then closes" {
	start_server -c 'ThreadsPerChild 4' -c 'StartServers 2' \
		-c 'MinSpareThreads 4' -c 'MaxSpareThreads 12'
	assert_idle_keepalive_survives_graceful_restart
}

# unsafe_load NAME: 8 clients at once, each 20 keep-alive requests to
# /lab/unsafe (the "legacy library" keeps the request id in a global);
# prints every answer line.
unsafe_load() {
	local i j urls=() pids=()

	for j in $(seq 1 20); do
		urls+=("http://127.0.0.1:$PORT/lab/unsafe?ms=20")
	done
	for i in $(seq 1 8); do
		curl -s --max-time 30 "${urls[@]}" \
			>"$BATS_TEST_TMPDIR/unsafe.$1.$i" 3>&- &
		pids+=($!)
	done
	for i in "${pids[@]}"; do
		wait "$i" || true
	done
	cat "$BATS_TEST_TMPDIR/unsafe.$1."*
}

@test "/lab/unsafe: CORRUPTED answers with threads, never with prefork" {
	start_thread_pool 1 8 9 'LabHandlers On'
	out="$(unsafe_load worker)"
	total="$(grep -c '^id=' <<<"$out" || true)"
	bad="$(grep -c 'CORRUPTED' <<<"$out" || true)"
	assert_equal "$total" 160 "answers from worker"
	[ "$bad" -gt 0 ] || fail "no CORRUPTED answer among $total (worker)"
	stop_server

	# The same load on prefork: one request per process at a time, and
	# each process has its own copy of the global.
	BIN="$(in_root "${KIT_BIN:-.}")/01-prefork/prefork"
	[ -x "$BIN" ] || skip "01-prefork/prefork is not built"
	start_server -c 'StartServers 8' -c 'MinSpareServers 8' \
		-c 'MaxSpareServers 10' -c 'LabHandlers On'
	out="$(unsafe_load prefork)"
	total="$(grep -c '^id=' <<<"$out" || true)"
	bad="$(grep -c 'CORRUPTED' <<<"$out" || true)"
	assert_equal "$total" 160 "answers from prefork"
	assert_equal "$bad" 0 "CORRUPTED answers from prefork"
}

@test "/lab/crash takes the child's other connections with it" {
	start_thread_pool 1 4 5 'LabHandlers On'
	wait_until -t 5 count_is 1
	victim="$(children_pids)"
	parallel_gets slow 1 '/lab/sleep?ms=2000'
	sleep 0.5
	assert_crash_request_unanswered
	wait_gets
	# The slow request was in another thread of the same process: it
	# died too (in prefork it would have been answered).
	assert_equal "$(cat "$BATS_TEST_TMPDIR/codes.slow.1")" 000 \
		"the slow request on the crashed child"
	back() { count_is 1 && ! children_pids | grep -qx "$victim"; }
	wait_until -t 10 back || fail "children: $(children_pids | tr '\n' ' ')"
	assert_alive
}
