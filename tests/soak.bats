#!/usr/bin/env bats
# soak.bats - each server under a mixed load for SOAK_SECONDS (default 15),
# then checked for what a long run would leak.
#
# What it teaches: a leak of one descriptor or a few bytes per request is
# invisible in a functional test and fatal after a week. So: warm the
# server up with the same mix, wait until it is quiet, write down what
# each of its processes holds (open descriptors in /proc/PID/fd, memory as
# Pss), soak it, wait until it is quiet again, and compare. The mix:
#   keep-alive clients fetching a 64 KiB file, a new connection per
#   request, HEAD, a byte range, idle keep-alive holders, slow clients that
#   trickle a byte every 100 ms (so Timeout cuts them off), pipelined
#   requests, bad requests (smuggling, traversal, oversize, garbage),
#   clients that reset the connection in the middle of a response, and
#   one client that asks for megabytes and never reads them.
# Afterwards: no child died, every well-behaved request succeeded, the
# scoreboard shows no worker stuck busy (even while the client that never
# reads still holds its connection: Timeout must have freed the worker),
# and descriptors and memory are back where they were.
#
# The pools have a fixed size (StartServers = the most the master may run)
# so that every process is compared with itself. With a sanitizer build
# (make sanitize) memory is not compared: ASan keeps freed memory in
# quarantine on purpose. Run:
#   SOAK_SECONDS=300 bats tests/soak.bats      # a real soak

load helpers
load sanitize/hardening

SOAK_SECONDS=${SOAK_SECONDS:-15}
WARMUP_SECONDS=3
NEVER_READ=""  # the connection of the client that never reads

teardown() {
	load_kill
	[ -z "$NEVER_READ" ] || exec {NEVER_READ}>&-
	NEVER_READ=""
	stop_server
}

fixed_pool() {
	case $MPM in
	prefork)
		printf '%s\n' 'StartServers 24' 'MinSpareServers 1' \
			'MaxSpareServers 64' 'MaxRequestWorkers 24' ;;
	*)
		printf '%s\n' 'StartServers 2' 'ServerLimit 2' \
			'ThreadsPerChild 16' 'MaxRequestWorkers 32' \
			'MinSpareThreads 1' 'MaxSpareThreads 64' ;;
	esac
}

start_soak_server() {
	start_server_from fixed_pool -c 'KeepAliveTimeout 2' -c 'Timeout 5' \
		-c 'LabHandlers On'
}

# ---- the clients ----

# Clients that only the bash side can play, in a loop until $1 seconds
# have passed. Their answers are not checked one by one (the conformance
# suite does that), nor their failures; what matters is what they leave
# behind in the server.
misbehave() { # SECONDS
	local end=$((SECONDS + $1)) fd i h='Host: x\r\n' req16="" three smuggle

	for i in $(seq 1 16); do
		req16+="GET /files/64k.txt HTTP/1.1\r\n$h\r\n"
	done
	three="GET /files/1k.txt HTTP/1.1\r\n$h\r\nHEAD / HTTP/1.1\r\n$h\r\n"
	three+="GET /files/64k.txt HTTP/1.1\r\n${h}Range: bytes=0-9\r\n"
	three+="Connection: close\r\n\r\n"
	smuggle="POST / HTTP/1.1\r\n${h}Content-Length: 3\r\n"
	smuggle+="Transfer-Encoding: chunked\r\n\r\nabc"
	while [ "$SECONDS" -lt "$end" ]; do
		# Pipelining: three requests in one write.
		raw -n 3 -t 3000 "$three" >/dev/null || true
		# Bad requests: smuggling, traversal, oversize, garbage.
		raw -t 3000 "$smuggle" >/dev/null || true
		raw -n 1 -t 3000 "GET /../../etc/passwd HTTP/1.1\r\n$h\r\n" \
			>/dev/null || true
		raw -t 3000 -p 9000 'GET /' >/dev/null || true
		raw -t 3000 '\x16\x03\x01\x02\x00garbage\r\n\r\n' >/dev/null ||
			true
		# A reset in the middle of responses: ask for 1 MiB, read
		# nothing, close (unread data makes the close an RST).
		exec {fd}<>"/dev/tcp/127.0.0.1/$PORT" || continue
		printf "$req16" >&"$fd" || true
		sleep 0.05
		exec {fd}>&-
	done
}

# Every load of the mix for SECONDS, in the background.
mixed_load() { # NAME_PREFIX SECONDS
	local p=$1 d="$2s"

	load_start "$p.ka64" -c 3 --timeout 10s -d "$d" /files/64k.txt
	load_start "$p.close" -c 2 --close --timeout 10s -d "$d" /index.html
	load_start "$p.head" -c 1 -m HEAD --timeout 10s -d "$d" /files/1k.txt
	load_start "$p.range" -c 1 -H 'Range: bytes=100-199' --timeout 10s \
		-d "$d" /files/64k.txt
	load_start "$p.hold" --idle 4 --slow 2 --slow-every 100ms -d "$d" \
		/files/1k.txt
	misbehave "$2" 3>&- &
	LOADS+=("$!")
}

# The well-behaved clients of the mix got every answer they asked for.
assert_mix_clean() { # NAME_PREFIX
	local l n

	for l in ka64 close head range; do
		n="$(load_field "$1.$l" errors)"
		[ "$n" -eq 0 ] || fail "$n errors: $(load_summary "$1.$l")" ||
			return 1
		n="$(load_field "$1.$l" requests)"
		[ "$n" -gt 0 ] || fail "no request done: $(load_summary "$1.$l")" ||
			return 1
	done
	n="$(load_field "$1.hold" idle_errors)"
	[ "$n" -eq 0 ] || fail "idle holders: $(load_summary "$1.hold")"
}

# A client that pipelines 60 requests for 64 KiB (almost 4 MiB) and never
# reads: the server fills the socket buffers and then must give up after
# Timeout, not hold a worker for as long as the client likes.
open_never_reader() {
	local i

	exec {NEVER_READ}<>"/dev/tcp/127.0.0.1/$PORT" || return 1
	for i in $(seq 1 60); do
		printf 'GET /files/64k.txt HTTP/1.1\r\nHost: x\r\n\r\n'
	done >&"$NEVER_READ"
}

# ---- quiet, and what it holds ----

busy_at_most_one() {
	local busy

	busy="$(status_auto BusyWorkers)"
	[ -n "$busy" ] && [ "$busy" -le 1 ]
}

# Wait until the load is gone: only the status request itself busy.
wait_quiet() {
	wait_until -t 20 busy_at_most_one || {
		http_get '/server-status?auto' >&2
		fail "workers still busy 20 s after the load ended"
	}
}

# Compare two server_costs snapshots: same processes, descriptors within
# one, memory (summed Pss) within 10% + 2 MiB unless CHECK_MEMORY is 0.
compare_costs() { # BEFORE AFTER
	awk -v check_memory="${CHECK_MEMORY:-1}" '
		NR == FNR { fds[$1] = $2; pss += $3; n++; next }
		{ if (!($1 in fds)) { printf "new process %s\n", $1; bad = 1 }
		  else if ($2 > fds[$1] + 1) {
			printf "pid %s: %d descriptors open, %d before\n",
			       $1, $2, fds[$1]; bad = 1 }
		  pss2 += $3; m++ }
		END {
			if (m != n) { printf "%d processes, %d before\n", m, n
				      bad = 1 }
			if (check_memory && pss2 > pss * 1.10 + 2048) {
				printf "memory (Pss) %d KiB, %d KiB before\n",
				       pss2, pss; bad = 1 }
			exit bad }' "$1" "$2"
}

costs_total() { # SNAPSHOT
	awk '{ f += $2; p += $3 }
	     END { printf "%d processes %d fds %d KiB Pss", NR, f, p }' "$1"
}

soak() {
	local before="$BATS_TEST_TMPDIR/costs.before"
	local after="$BATS_TEST_TMPDIR/costs.after" check_memory=1

	start_soak_server
	# Warm up with the same mix: first-use allocations (date cache,
	# thread arenas, the scoreboard's pages) are not leaks.
	mixed_load warm "$WARMUP_SECONDS"
	load_wait
	wait_quiet || return 1
	server_costs >"$before"

	open_never_reader || fail "cannot connect" || return 1
	mixed_load soak "$SOAK_SECONDS"
	load_wait
	assert_mix_clean soak || return 1
	# The never-reader is still connected: its worker must be free.
	wait_quiet || return 1
	server_costs >"$after"
	echo "# $MPM: $(load_summary soak.ka64)" >&3
	echo "# $MPM: before $(costs_total "$before"), after" \
		"$(costs_total "$after")" >&3
	! grep -E 'exit signal|exit status' "$SRV_DIR/error.log" ||
		fail "a child died during the soak" || return 1
	if sanitized_build; then
		check_memory=0
		echo "# $MPM: sanitizer build: memory not compared" >&3
	fi
	CHECK_MEMORY=$check_memory compare_costs "$before" "$after" ||
		fail "the server holds more than before the soak" || return 1
	exec {NEVER_READ}>&-
	NEVER_READ=""
	assert_alive
}

@test "prefork: soak with a mixed load leaks no descriptor, memory or worker" {
	use_mpm prefork
	soak
}

@test "worker: soak with a mixed load leaks no descriptor, memory or worker" {
	use_mpm worker
	soak
}

@test "event: soak with a mixed load leaks no descriptor, memory or worker" {
	use_mpm event
	soak
}
