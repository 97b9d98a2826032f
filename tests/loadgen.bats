#!/usr/bin/env bats
# loadgen.bats - the kit's load generator (labs/tools/loadgen) against the
# kit's own servers.
#
# What it checks: loadgen's numbers can be trusted. The requests it says it
# made are the ones the server logged; a server that dies mid-run shows up
# as counted errors, not as a crash or a hang; idle holders really hold
# their connections (the scoreboard sees them); the open loop keeps its
# rate; the CSV is one header and one row of numbers; bad arguments get the
# usage and exit status 2. Counts are exact; times have wide bounds, since
# CI machines are small and busy.

load helpers

LOADGEN="$(in_root "${KIT_BIN:-.}")/labs/tools/loadgen"

setup() {
	[ -x "$LOADGEN" ] || fail "no $LOADGEN (run make)"
}

teardown() {
	stop_server
}

# Switch the server under test (helpers.bash picked $MPM at load time).
use_server() { # prefork | worker | event
	set_mpm "$1"
}

# loadgen with a hard bound, so that a hang fails instead of blocking CI.
lg() {
	timeout 60 "$LOADGEN" -q "$@"
}

# The value of column NAME in a loadgen CSV file (header + one row).
csv_field() { # FILE NAME
	awk -F, -v name="$2" 'NR == 1 { for (i = 1; i <= NF; i++)
		if ($i == name) c = i } NR == 2 && c { print $c }' "$1"
}

log_lines() {
	if [ -f "$SRV_DIR/access.log" ]; then
		wc -l <"$SRV_DIR/access.log" | tr -d ' '
	else
		echo 0
	fi
}

access_log_has() { # N: exactly N lines
	[ "$(log_lines)" -eq "$1" ]
}

# The probe of start_server (one GET /) is logged once it is answered.
access_log_settled() {
	[ "$(log_lines)" -ge 1 ]
}

access_log_has_at_least() { # N
	[ "$(log_lines)" -ge "$1" ]
}

@test "loadgen: bad arguments give the usage and exit status 2" {
	local args

	while IFS= read -r args; do
		# shellcheck disable=SC2086 # each line is a list of words
		run "$LOADGEN" $args
		[ "$status" -eq 2 ] || fail "loadgen $args: exit $status, not 2"
		assert_contains "$output" "usage: loadgen"
		assert_match "$output" "loadgen: " "first line"
	done <<-'EOF'

	-c abc http://127.0.0.1:1/
	-c -1 http://127.0.0.1:1/
	-d 5x http://127.0.0.1:1/
	-d 0 http://127.0.0.1:1/
	--timeout nope http://127.0.0.1:1/
	-R 0 http://127.0.0.1:1/
	-t 0 http://127.0.0.1:1/
	-H NoColon http://127.0.0.1:1/
	-m G\ET http://127.0.0.1:1/
	--bogus http://127.0.0.1:1/
	-c
	-c 0 http://127.0.0.1:1/
	-n 5 -c 0 --idle 3 http://127.0.0.1:1/
	https://127.0.0.1:1/
	ftp://127.0.0.1/
	http://127.0.0.1:99999/
	http://127.0.0.1:1/ http://127.0.0.1:2/
	EOF
	run "$LOADGEN" -h
	[ "$status" -eq 0 ]
	assert_contains "$output" "--idle M"
}

@test "loadgen: -n N makes N requests, as the server's access log counts" {
	start_server -c 'StartServers 8'
	# start_server's own probe may be in the log already.
	wait_until -t 5 access_log_settled
	local base
	base=$(log_lines)
	lg -c 4 -n 300 --csv "http://127.0.0.1:$PORT/files/1k.txt" >"$BATS_TEST_TMPDIR/ka.csv"
	assert_equal "$(csv_field "$BATS_TEST_TMPDIR/ka.csv" requests)" 300 "requests"
	assert_equal "$(csv_field "$BATS_TEST_TMPDIR/ka.csv" errors)" 0 "errors"
	# 300 responses of 1024 bytes and a head each.
	[ "$(csv_field "$BATS_TEST_TMPDIR/ka.csv" bytes_per_s | cut -d. -f1)" -gt 0 ]
	wait_until -t 5 access_log_has $((base + 300)) ||
		fail "access log has $(log_lines) lines, expected $base + 300"

	# A new connection per request: 100 more.
	lg -c 4 -n 100 --close --csv "http://127.0.0.1:$PORT/files/1k.txt" >"$BATS_TEST_TMPDIR/close.csv"
	assert_equal "$(csv_field "$BATS_TEST_TMPDIR/close.csv" requests)" 100 "requests"
	assert_equal "$(csv_field "$BATS_TEST_TMPDIR/close.csv" errors)" 0 "errors"
	wait_until -t 5 access_log_has $((base + 400)) ||
		fail "access log has $(log_lines) lines, expected $base + 400"
}

@test "loadgen: reconnects when the server says Connection: close" {
	# Every 3rd response on a connection carries Connection: close.
	start_server -c 'MaxKeepAliveRequests 3'
	wait_until -t 5 access_log_settled
	local base
	base=$(log_lines)
	lg -c 2 -n 90 --csv "http://127.0.0.1:$PORT/files/1k.txt" >"$BATS_TEST_TMPDIR/out.csv"
	assert_equal "$(csv_field "$BATS_TEST_TMPDIR/out.csv" requests)" 90 "requests"
	assert_equal "$(csv_field "$BATS_TEST_TMPDIR/out.csv" errors)" 0 "errors"
	wait_until -t 5 access_log_has $((base + 90)) ||
		fail "access log has $(log_lines) lines, expected $base + 90"
}

@test "loadgen: frames HEAD and error responses, counts non-2xx as errors" {
	start_server
	# HEAD: a Content-Length but no body; waiting for one would time out.
	lg -c 2 -n 50 -m HEAD --timeout 5s --csv "http://127.0.0.1:$PORT/files/1k.txt" >"$BATS_TEST_TMPDIR/head.csv"
	assert_equal "$(csv_field "$BATS_TEST_TMPDIR/head.csv" requests)" 50 "HEAD requests"
	assert_equal "$(csv_field "$BATS_TEST_TMPDIR/head.csv" errors)" 0 "HEAD errors"
	lg -c 2 -n 40 --csv "http://127.0.0.1:$PORT/no-such-file" >"$BATS_TEST_TMPDIR/404.csv"
	assert_equal "$(csv_field "$BATS_TEST_TMPDIR/404.csv" requests)" 40 "404 responses"
	assert_equal "$(csv_field "$BATS_TEST_TMPDIR/404.csv" err_status)" 40 "non-2xx"
	assert_equal "$(csv_field "$BATS_TEST_TMPDIR/404.csv" err_timeout)" 0 "timeouts"
}

@test "loadgen: the CSV is a header and one row of numbers, same width" {
	start_server
	lg -c 2 -d 1 --idle 2 --slow 1 --slow-every 10ms --csv "http://127.0.0.1:$PORT/small.txt" >"$BATS_TEST_TMPDIR/out.csv"
	[ "$(wc -l <"$BATS_TEST_TMPDIR/out.csv")" -eq 2 ] ||
		fail "expected 2 lines: $(cat "$BATS_TEST_TMPDIR/out.csv")"
	run awk -F, 'NR == 1 { n = NF; for (i = 1; i <= NF; i++)
			if ($i !~ /^[a-z][a-z0-9_]*$/) { print "bad name " $i; exit 1 } }
		NR == 2 { if (NF != n) { print NF " fields, header has " n; exit 1 }
			for (i = 1; i <= NF; i++)
				if ($i !~ /^-?[0-9]+(\.[0-9]+)?$/) { print "not a number: " $i; exit 1 } }
		END { if (n < 20) { print "only " n " columns"; exit 1 } }' "$BATS_TEST_TMPDIR/out.csv"
	[ "$status" -eq 0 ] || fail "$output"
	[ "$(csv_field "$BATS_TEST_TMPDIR/out.csv" requests)" -gt 0 ]
}

@test "loadgen: a server stopped mid-run gives counted errors, no crash, no hang" {
	local start elapsed

	start_server -c 'StartServers 4'
	start=$(now_ms)
	lg -c 4 -d 3 --csv "http://127.0.0.1:$PORT/files/1k.txt" >"$BATS_TEST_TMPDIR/out.csv" &
	local pid=$!
	sleep 1
	stop_server
	local st=0
	wait "$pid" || st=$?
	assert_equal "$st" 0 "loadgen exit status"
	elapsed=$(($(now_ms) - start))
	# 3 s of run plus at most the 2 s timeout and a second of grace.
	[ "$elapsed" -lt 9000 ] || fail "loadgen took $elapsed ms"
	[ "$(csv_field "$BATS_TEST_TMPDIR/out.csv" requests)" -gt 0 ] ||
		fail "no request before the stop: $(cat "$BATS_TEST_TMPDIR/out.csv")"
	[ "$(csv_field "$BATS_TEST_TMPDIR/out.csv" err_connect)" -gt 0 ] ||
		fail "no connect error after the stop: $(cat "$BATS_TEST_TMPDIR/out.csv")"
}

conns_total_at_least() { # N
	local n

	n=$(status_auto ConnsTotal)
	[ -n "$n" ] && [ "$n" -ge "$1" ]
}

@test "loadgen: --idle M holds M connections (event's ConnsTotal)" {
	use_server event
	start_server -c 'KeepAliveTimeout 30'
	lg --idle 60 -d 4 --csv "http://127.0.0.1:$PORT/files/1k.txt" >"$BATS_TEST_TMPDIR/out.csv" &
	local pid=$!
	wait_until -t 5 conns_total_at_least 60 ||
		fail "ConnsTotal is $(status_auto ConnsTotal), expected >= 60"
	# Held, not growing: the holders are silent after their request.
	sleep 0.5
	local n
	n=$(status_auto ConnsTotal)
	[ "$n" -le 62 ] || fail "ConnsTotal $n: more than the 60 asked (+ status)"
	wait "$pid"
	assert_equal "$(csv_field "$BATS_TEST_TMPDIR/out.csv" idle_held)" 60 "idle held"
	assert_equal "$(csv_field "$BATS_TEST_TMPDIR/out.csv" idle_requests)" 60 "idle requests"
	assert_equal "$(csv_field "$BATS_TEST_TMPDIR/out.csv" idle_errors)" 0 "idle errors"
}

keepalive_slots() { # the K letters of worker's scoreboard
	http_get '/server-status?auto' | tr -d '\r' |
		awk -F': ' '$1 == "Scoreboard" { print gsub(/K/, "", $2) }'
}

keepalive_slots_are() {
	[ "$(keepalive_slots)" = "$1" ]
}

@test "loadgen: --idle M holds M of worker's threads in keep-alive (K)" {
	use_server worker
	start_server -c 'KeepAliveTimeout 30'
	lg --idle 20 -d 3 "http://127.0.0.1:$PORT/files/1k.txt" >/dev/null &
	local pid=$!
	wait_until -t 5 keepalive_slots_are 20 ||
		fail "scoreboard shows $(keepalive_slots) K, expected 20"
	wait "$pid"
}

@test "loadgen: --idle-every sends a request every T on each holder" {
	start_server -c 'StartServers 6' -c 'KeepAliveTimeout 30'
	lg --idle 4 --idle-every 500ms -d 2.2 --csv "http://127.0.0.1:$PORT/small.txt" >"$BATS_TEST_TMPDIR/out.csv"
	local n
	n=$(csv_field "$BATS_TEST_TMPDIR/out.csv" idle_requests)
	# 4 holders, one request at once and then one each 0.5 s: 4 x 5.
	[ "$n" -ge 12 ] && [ "$n" -le 20 ] || fail "idle requests: $n, expected about 20"
}

@test "loadgen: open loop keeps the asked rate" {
	start_server -c 'StartServers 8'
	lg -c 4 -R 200 -d 2 --csv "http://127.0.0.1:$PORT/small.txt" >"$BATS_TEST_TMPDIR/out.csv"
	local n
	n=$(csv_field "$BATS_TEST_TMPDIR/out.csv" requests)
	# The schedule has exactly 400 requests due in 2 s.
	[ "$n" -ge 380 ] && [ "$n" -le 401 ] || fail "requests: $n, expected 400"
	assert_equal "$(csv_field "$BATS_TEST_TMPDIR/out.csv" errors)" 0 "errors"
}

@test "loadgen: slow clients send a request byte by byte and are answered" {
	start_server
	wait_until -t 5 access_log_settled
	local base
	base=$(log_lines)
	lg --slow 2 --slow-every 5ms -d 2 --csv "http://127.0.0.1:$PORT/small.txt" >"$BATS_TEST_TMPDIR/out.csv"
	local n
	n=$(csv_field "$BATS_TEST_TMPDIR/out.csv" slow_requests)
	[ "$n" -ge 2 ] || fail "slow responses: $n"
	assert_equal "$(csv_field "$BATS_TEST_TMPDIR/out.csv" slow_errors)" 0 "slow errors"
	# Each counted response was logged (one cut short at the end may be
	# logged too).
	wait_until -t 5 access_log_has_at_least $((base + n)) ||
		fail "access log has $(log_lines) lines, expected $base + $n"
}

@test "loadgen: its default thread count follows the cores taskset leaves it" {
	command -v taskset >/dev/null || skip "taskset is not installed (util-linux)"
	use_server event
	start_server
	lg -c 4 -n 40 --csv "http://127.0.0.1:$PORT/small.txt" >"$BATS_TEST_TMPDIR/all.csv"
	taskset -c 0 timeout 60 "$LOADGEN" -q -c 4 -n 40 --csv \
		"http://127.0.0.1:$PORT/small.txt" >"$BATS_TEST_TMPDIR/one.csv"
	assert_equal "$(csv_field "$BATS_TEST_TMPDIR/one.csv" threads)" 1 "threads on one core"
	local cores
	cores=$(nproc)
	[ "$cores" -le 4 ] || cores=4
	assert_equal "$(csv_field "$BATS_TEST_TMPDIR/all.csv" threads)" "$cores" \
		"threads on every core (at most the 4 connections)"
}

@test "threadcost: per-request CPU and switches of listener and workers" {
	local tc out
	tc="$(in_root .)/labs/tools/threadcost"
	run "$tc" 123
	[ "$status" -eq 2 ] || fail "no usage error: $output"
	use_server event
	start_server -c 'StartServers 2' -c 'ThreadsPerChild 4' -c 'MinSpareThreads 2' \
		-c 'MaxSpareThreads 8' -c 'MaxRequestWorkers 8' -c 'ServerLimit 2'
	out=$(LOADGEN="$LOADGEN" timeout 60 "$tc" "$SRV_PID" -- -c 4 -n 3000 \
		"http://127.0.0.1:$PORT/small.txt")
	assert_match "$out" "^requests 3000, "
	# Two children: two listeners, eight workers; every number is a number.
	assert_match "$out" $'\nlistener +2 +[0-9.]+ +[0-9.]+ +[0-9.]+'
	assert_match "$out" $'\nworkers +8 +[0-9.]+ +[0-9.]+ +[0-9.]+'
	# Each request wakes a worker at least once in event: it blocks waiting
	# for the next job, so its voluntary switches per request are > 0.
	awk '$1 == "workers" { exit !($4 > 0) }' <<<"$out" ||
		fail "workers' voluntary switches are 0: $out"
}
