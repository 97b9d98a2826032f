#!/usr/bin/env bats
# event.bats - the behaviour that makes 03-event an event MPM.
#
# What it teaches: the event MPM's listener holds every connection that
# waits for its client (keep-alive, a head still arriving, a slow reader,
# a lingering close) in one epoll set, so no worker thread waits for a
# client. Each test makes that visible: worker's starvation case that no
# longer starves, a thousand idle connections and two hundred slowloris
# clients that do not stop a 25-thread child from answering, timeouts that
# close the right connection at the right time, a slow reader that holds
# no thread, and the counts /server-status shows. Bounds are wide enough
# for a loaded 2-core machine.
# Run: bats tests/event.bats (MPM is always event here).

MPM=event
load helpers

teardown() {
	stop_clients
	stop_server
}

GET_1K='GET /files/1k.txt HTTP/1.1\r\nHost: t\r\n\r\n'

# One child of 25 threads that accepts many connections per idle thread.
ONE_CHILD=(-c 'ServerLimit 1' -c 'StartServers 1' -c 'ThreadsPerChild 25'
	-c 'MaxRequestWorkers 25' -c 'MinSpareThreads 1'
	-c 'MaxSpareThreads 50' -c 'AsyncRequestWorkerFactor 100')

# hold N [RAWCLIENT_OPTIONS...]: N connections, each sends a request, reads
# its response, then stays open and idle (keep-alive) for up to 20 s.
# rawclient handles at most 256 connections, so big N takes several.
hold() {
	local n="$1" k

	shift
	while [ "$n" -gt 0 ]; do
		k=$((n > 250 ? 250 : n))
		"$RAW" -k "$k" -t 20000 "$@" "$PORT" "$GET_1K" \
			>/dev/null 2>&1 3>&- &
		CLIENTS+=($!)
		n=$((n - k))
	done
}

# status_at_least KEY N: /server-status?auto shows KEY >= N.
status_at_least() {
	local v

	v="$(status_auto "$1")"
	[ -n "$v" ] && [ "$v" -ge "$2" ]
}

# fast_get PATH: 200 within 1.5 s, or fail saying how long it took.
fast_get() {
	local t0 code ms

	t0="$(now_ms)"
	code="$(http_code "$1" --max-time 5)"
	ms=$(($(now_ms) - t0))
	assert_equal "$code" 200 "GET $1" || return 1
	[ "$ms" -lt 1500 ] || fail "GET $1 took $ms ms (limit 1500)"
}

@test "worker's starvation case: two idle keep-alive clients, the third is served at once" {
	start_thread_pool 1 2 2 'KeepAliveTimeout 5'
	hold 2
	wait_until -t 5 status_at_least ConnsAsyncKeepAlive 2 ||
		fail "the two clients are not idle in keep-alive"
	# In 02-worker both threads would sit in those two connections until
	# KeepAliveTimeout (5 s). Here they sit in the listener.
	fast_get /files/1k.txt
	assert_equal "$(status_auto ConnsAsyncKeepAlive)" 2 "keep-alive conns"
}

@test "1000 idle keep-alive connections: a 25-thread child still answers" {
	[ "$(ulimit -n)" -ge 2200 ] || ulimit -n 4096 ||
		skip "cannot raise ulimit -n to 4096"
	start_server "${ONE_CHILD[@]}" -c 'KeepAliveTimeout 30'
	hold 1000
	wait_until -t 15 status_at_least ConnsAsyncKeepAlive 1000 ||
		fail "only $(status_auto ConnsAsyncKeepAlive) idle connections"
	fast_get /files/1k.txt
	fast_get /
	assert_equal "$(status_auto Processes)" 1 "processes"
}

@test "200 slowloris clients (a header byte a second) do not stop new clients" {
	start_server "${ONE_CHILD[@]}" -c 'Timeout 30'
	"$RAW" -k 200 -s 1 -d 1000 -t 20000 "$PORT" \
		'GET / HTTP/1.1\r\nHost: t\r\nX-Slow: aaaaaaaaaaaaaaaaaaaaaaaa\r\n\r\n' \
		>/dev/null 2>&1 3>&- &
	CLIENTS+=($!)
	wait_until -t 10 status_at_least ConnsTotal 200 ||
		fail "only $(status_auto ConnsTotal) connections"
	sleep 2  # a few bytes each: heads are arriving, none complete
	fast_get /files/1k.txt
	# Heads are read by the listener: no thread is held by them.
	assert_equal "$(status_auto BusyWorkers)" 1 "busy workers (this one)"
}

@test "KeepAliveTimeout 1 closes an idle connection after ~1 s, not before" {
	start_server -c 'KeepAliveTimeout 1'
	out="$(raw_text -c -t 300 "$GET_1K")"
	assert_contains "$out" "HTTP/1.1 200"
	assert_equal "${out##*$'\n'}" OPEN "state at 0.3 s"
	t0="$(now_ms)"
	out="$(raw_text -c -t 8000 "$GET_1K")"
	ms=$(($(now_ms) - t0))
	assert_equal "${out##*$'\n'}" CLOSED "state after waiting"
	[ "$ms" -ge 800 ] && [ "$ms" -le 4000 ] ||
		fail "closed after $ms ms (expected 1000, bounds 800-4000)"
}

@test "KeepAliveTimeout 200ms on an idle server: the listener is woken for it" {
	# A worker arms a keep-alive connection itself and wakes the
	# listener only if the listener would sleep past the connection's
	# KeepAliveTimeout (fastpath.c, fastpath_must_wake). Without that
	# wake-up the close would wait for the listener's 1 s tick.
	# The request sleeps 100 ms in its worker, so the listener is
	# asleep (until its tick) when the worker gives the connection back.
	start_server -c 'KeepAliveTimeout 200ms' -c 'LabHandlers On'
	t0="$(now_ms)"
	out="$(raw_text -c -t 5000 'GET /lab/sleep?ms=100 HTTP/1.1\r\nHost: t\r\n\r\n')"
	ms=$(($(now_ms) - t0))
	assert_contains "$out" "HTTP/1.1 200"
	assert_equal "${out##*$'\n'}" CLOSED "state after waiting"
	[ "$ms" -ge 250 ] && [ "$ms" -le 750 ] ||
		fail "closed after $ms ms (expected 300, bounds 250-750)"
}

@test "back-to-back keep-alive requests: none is lost between worker and listener" {
	# The next request may arrive after the worker armed the socket but
	# before the listener took the connection back (listener.c notes
	# it: event_pending). A lost one would show as a timeout.
	start_server -c 'StartServers 1' -c 'ThreadsPerChild 4' \
		-c 'MinSpareThreads 1' -c 'MaxSpareThreads 8'
	csv="$("$(in_root "${KIT_BIN:-.}")/labs/tools/loadgen" -c 4 -t 2 -d 2s --timeout 1500ms \
		--csv -q "http://127.0.0.1:$PORT/files/1k.txt")"
	row="$(tail -n 1 <<<"$csv")"
	requests="$(cut -d, -f8 <<<"$row")"
	errors="$(cut -d, -f17 <<<"$row")"
	assert_equal "$(head -n 1 <<<"$csv" | cut -d, -f8,17)" "requests,errors" "columns"
	[ "$requests" -ge 1000 ] || fail "only $requests requests in 2 s"
	assert_equal "$errors" 0 "errors in $requests requests"
}

@test "Timeout 2: a partial head gets 408 and a close after ~2 s, not before" {
	start_server -c 'Timeout 2' -c 'KeepAliveTimeout 20'
	partial='GET /files/1k.txt HTTP/1.1\r\nHost: t\r\n'
	out="$(raw_text -c -t 500 "$partial")"
	assert_equal "${out//$'\n'/}" OPEN "state at 0.5 s"
	t0="$(now_ms)"
	out="$(raw_text -c -t 10000 "$partial")"
	ms=$(($(now_ms) - t0))
	assert_status "$out" 408
	assert_equal "${out##*$'\n'}" CLOSED "state after waiting"
	[ "$ms" -ge 1500 ] && [ "$ms" -le 6000 ] ||
		fail "closed after $ms ms (expected 2000, bounds 1500-6000)"
	# A keep-alive wait is KeepAliveTimeout (20 s), not Timeout.
	out="$(raw_text -c -t 3000 "$GET_1K")"
	assert_equal "${out##*$'\n'}" OPEN "idle keep-alive after 3 s"
	assert_alive
}

@test "write completion: a slow reader of a big file holds no thread" {
	docroot="$BATS_TEST_TMPDIR/docroot"
	mkdir -p "$docroot/files"
	head -c 1024 /dev/zero >"$docroot/files/1k.txt"
	# Bigger than what the socket buffers on both sides can hold.
	head -c $((32 * 1024 * 1024)) /dev/zero >"$docroot/big.bin"
	start_thread_pool 1 1 1 "DocumentRoot $docroot"
	curl -s -o /dev/null --limit-rate 200k --max-time 30 \
		"http://127.0.0.1:$PORT/big.bin" 3>&- &
	slow=$!
	CLIENTS+=($slow)
	wait_until -t 10 status_at_least ConnsAsyncWriting 1 ||
		fail "the slow reader was never parked in write completion"
	# The only thread is free: another client is served at once.
	fast_get /files/1k.txt
	fast_get /files/1k.txt
	process_alive "$slow" || fail "the slow reader finished already"
	assert_equal "$(status_auto ConnsAsyncWriting)" 1 "writing conns"
}

@test "server-status counts idle keep-alive connections per state" {
	start_server -c 'KeepAliveTimeout 10' -c 'StartServers 1' \
		-c 'MinSpareThreads 1'
	hold 5
	wait_until -t 5 status_at_least ConnsAsyncKeepAlive 5 ||
		fail "keep-alive: $(status_auto ConnsAsyncKeepAlive)"
	status="$(http_get '/server-status?auto' | tr -d '\r')"
	assert_contains "$status" "ConnsAsyncKeepAlive: 5"
	assert_contains "$status" "ConnsAsyncWriting: 0"
	# The five, plus the connection asking.
	assert_contains "$status" "ConnsTotal: 6"
	# The HTML page shows the same columns.
	assert_contains "$(http_get /server-status)" "keep-alive"
}

# Children of 4 threads that take 4 + 1 x idle threads connections: 8
# idle keep-alive connections fill one.
SMALL_CHILDREN=(-c 'StartServers 1' -c 'ThreadsPerChild 4'
	-c 'AsyncRequestWorkerFactor 1' -c 'MinSpareThreads 1'
	-c 'MaxSpareThreads 8' -c 'KeepAliveTimeout 30')

@test "children full of idle keep-alive clients: the master spawns, all are answered" {
	start_server "${SMALL_CHILDREN[@]}" -c 'ServerLimit 4' \
		-c 'MaxRequestWorkers 16'
	# 20 clients, more than two full children take: a third is needed.
	"$RAW" -r -k 20 -t 8000 "$PORT" "$GET_1K" >"$BATS_TEST_TMPDIR/held" \
		2>&1 3>&- &
	CLIENTS+=($!)
	wait_until -t 15 status_at_least ConnsAsyncKeepAlive 20 ||
		fail "only $(status_auto ConnsAsyncKeepAlive) of 20 held," \
			"$(status_auto Processes) processes"
	status_at_least Processes 3 ||
		fail "$(status_auto Processes) processes hold 20 connections"
	fast_get /files/1k.txt
	# Every connection counted once: the 20, plus the one asking.
	status="$(http_get '/server-status?auto' | tr -d '\r')"
	assert_contains "$status" "ConnsAsyncKeepAlive: 20"
	assert_contains "$status" "ConnsTotal: 21"
	wait "${CLIENTS[0]}" || true
	CLIENTS=()
	assert_equal "$(grep -c '^HTTP/1.1 200' "$BATS_TEST_TMPDIR/held")" 20 \
		"idle clients answered"
}

@test "at ServerLimit, a full child closes its oldest idle keep-alive for a newcomer" {
	start_server "${SMALL_CHILDREN[@]}" -c 'ServerLimit 1' \
		-c 'MaxRequestWorkers 4'
	hold 8
	# The child is full once the 8 are in (4 + 1 x 4 idle threads), so
	# each request that asks is a newcomer: without room made it would
	# wait 30 s for a KeepAliveTimeout. With room made, the oldest of the
	# 8 are closed, one for each newcomer that finds the child full.
	wait_until -t 10 status_at_least ConnsAsyncKeepAlive 4 ||
		fail "only $(status_auto ConnsAsyncKeepAlive) of 8 held"
	fast_get /files/1k.txt
	fast_get '/server-status?auto'
	assert_equal "$(child_count)" 1 "children"
}

@test "USR1 (graceful restart) under keep-alive load, three times: not one request lost" {
	start_server -c 'StartServers 2' -c 'ThreadsPerChild 5' \
		-c 'MinSpareThreads 5' -c 'MaxSpareThreads 20'
	assert_graceful_restart_loses_nothing
}

@test "USR1: an idle keep-alive connection gets its next request answered, then closes" {
	start_server -c 'StartServers 2' -c 'ThreadsPerChild 5' \
		-c 'MinSpareThreads 5' -c 'MaxSpareThreads 20'
	assert_idle_keepalive_survives_graceful_restart
}

@test "USR1: old children keep idle keep-alive connections only until KeepAliveTimeout" {
	start_server -c 'StartServers 2' -c 'ThreadsPerChild 5' \
		-c 'MinSpareThreads 5' -c 'MaxSpareThreads 20' \
		-c 'KeepAliveTimeout 5'
	before="$(children_pids)"
	t0="$(now_ms)"
	hold 20  # idle keep-alive connections on the old children
	wait_until -t 4 status_at_least ConnsAsyncKeepAlive 20 ||
		fail "only $(status_auto ConnsAsyncKeepAlive) held"
	kill -USR1 "$SRV_PID"
	gone() { ! children_pids | grep -qxF "$before"; }
	sleep 0.5
	! gone || fail "the old children left $(($(now_ms) - t0)) ms after" \
		"their clients' answers, before KeepAliveTimeout 5"
	wait_until -t 10 gone || fail "old children still running"
	assert_alive
}

@test "MaxConnectionsPerChild 3 retires a child gracefully, no request lost" {
	start_thread_pool 2 2 4 'MaxConnectionsPerChild 3'
	first="$(children_pids)"
	for i in $(seq 1 12); do
		assert_equal "$(http_code /files/1k.txt)" 200 "request $i"
	done
	[ "$(children_pids)" != "$first" ] || fail "the child was not replaced"
}

@test "a child killed with SIGKILL is replaced" {
	# Two children of 25 threads are just MinSpareThreads: one fewer is
	# a shortage the master's next round repairs.
	start_server -c 'StartServers 2' -c 'MinSpareThreads 50'
	assert_killed_child_is_replaced 2
}

# utime + stime of a process, in clock ticks (all its threads).
cpu_ticks() { # PID
	awk '{ print $14 + $15 }' "/proc/$1/stat"
}

@test "out of file descriptors (EMFILE): the child pauses accepting, never spins" {
	command -v prlimit >/dev/null || skip "no prlimit"
	start_thread_pool 1 2 4 'AsyncRequestWorkerFactor 100' \
		'KeepAliveTimeout 30'
	child="$(children_pids)"
	prlimit --pid "$child" --nofile=40:40
	hold 60  # more than 40 descriptors: the rest wait in the backlog
	logged() { grep -q 'pausing' "$SRV_DIR/error.log"; }
	wait_until -t 5 logged || fail "no EMFILE message in the error log"
	before="$(cpu_ticks "$child")"
	sleep 2
	used=$(($(cpu_ticks "$child") - before))
	# Spinning on accept() would burn ~200 ticks in 2 s.
	[ "$used" -lt 40 ] || fail "the child used $used ticks in 2 s"
	kill "${CLIENTS[@]}"
	CLIENTS=()
	assert_alive
}

@test "pipelined requests are answered in order, in one worker turn" {
	start_server
	nope='GET /nope HTTP/1.1\r\nHost: t\r\n\r\n'
	out="$(raw_text -r -n 3 "$GET_1K$nope$GET_1K")"
	assert_equal "$out" "HTTP/1.1 200 OK
HTTP/1.1 404 Not Found
HTTP/1.1 200 OK"
}

@test "TERM stops the master and every child quickly, even with idle connections" {
	start_server -c 'KeepAliveTimeout 30'
	hold 10
	wait_until -t 5 status_at_least ConnsAsyncKeepAlive 10
	t0="$(now_ms)"
	stop_server
	ms=$(($(now_ms) - t0))
	[ "$ms" -lt 3000 ] || fail "stopping took $ms ms"
}
