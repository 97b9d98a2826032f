#!/usr/bin/env bats
# prefork.bats - the behaviour that makes 01-prefork a prefork MPM.
#
# What it teaches: Apache's prefork master never serves a request; it keeps
# a pool of single-threaded children between MinSpareServers and
# MaxSpareServers idle ones, replaces children that exit or crash, retires
# them after MaxConnectionsPerChild connections, and turns signals into
# restarts. Each test here makes one of those visible: children counted
# with ps (and /server-status), a child killed, a crash that loses only its
# own request, a graceful restart under load that loses none.
# Run: bats tests/prefork.bats (MPM is always prefork here).

MPM=prefork
load helpers

teardown() {
	stop_server
}

# Workers /server-status sees: busy + idle (one per prefork child).
status_workers() {
	local busy idle

	busy="$(status_auto BusyWorkers)"
	idle="$(status_auto IdleWorkers)"
	echo $((busy + idle))
}

@test "StartServers children are forked at start" {
	start_server -c 'StartServers 3' -c 'MinSpareServers 1' \
		-c 'MaxSpareServers 5'
	wait_until -t 5 count_is 3 || fail "$(child_count) children, not 3"
	assert_equal "$(status_workers)" 3 "busy + idle workers"
}

@test "the pool grows under load and shrinks back toward MaxSpareServers" {
	start_server -c 'StartServers 2' -c 'MinSpareServers 2' \
		-c 'MaxSpareServers 4' -c 'LabHandlers On'
	wait_until -t 5 count_is 2 || fail "$(child_count) children at start"
	parallel_gets load 12 '/lab/sleep?ms=3000'
	peak=2
	for i in $(seq 1 40); do  # watch for 8 s
		n="$(child_count)"
		[ "$n" -le "$peak" ] || peak=$n
		sleep 0.2
	done
	wait_gets  # every curl has its answer (each is bounded)
	all_ok load 12
	[ "$peak" -ge 5 ] || fail "children peaked at $peak under 12 requests"
	# Idle now: one idle child retired per second down to MaxSpareServers.
	wait_until -t 25 count_at_most 4 ||
		fail "still $(child_count) children (peak $peak) after 25 s idle"
	n="$(status_workers)"
	[ "$n" -le 4 ] && [ "$n" -ge 2 ] ||
		fail "/server-status counts $n workers after the load"
}

@test "MaxConnectionsPerChild 2 replaces a child after two connections" {
	# MaxSpareServers 1 is raised to MinSpareServers + 1 = 2, as Apache
	# does: the pool holds one or two children.
	start_server -c 'StartServers 1' -c 'MinSpareServers 1' \
		-c 'MaxSpareServers 1' -c 'MaxConnectionsPerChild 2'
	assert_connections_replace_child 3
	wait_until -t 5 count_at_most 2 ||
		fail "children: $(children_pids | tr '\n' ' ')"
}

@test "a child killed with SIGKILL is replaced" {
	start_server -c 'StartServers 3' -c 'MinSpareServers 3' \
		-c 'MaxSpareServers 5'
	assert_killed_child_is_replaced 3
}

@test "USR1 (graceful restart) under keep-alive load, three times: not one request lost" {
	start_server -c 'StartServers 3' -c 'MinSpareServers 2' \
		-c 'MaxSpareServers 5'
	wait_until -t 5 count_is 3
	assert_graceful_restart_loses_nothing
}

@test "USR1: an idle keep-alive connection gets its next request answered, then closes" {
	start_server -c 'StartServers 3' -c 'MinSpareServers 2' \
		-c 'MaxSpareServers 5'
	assert_idle_keepalive_survives_graceful_restart
}

@test "HUP restarts: new children, same master, still answering" {
	start_server -c 'StartServers 3' -c 'MinSpareServers 2' \
		-c 'MaxSpareServers 5'
	wait_until -t 5 count_is 3
	before="$(children_pids)"
	kill -HUP "$SRV_PID"
	renewed() {
		local now

		now="$(children_pids)"
		[ -n "$now" ] && ! grep -qxF -f <(echo "$before") <<<"$now"
	}
	wait_until -t 10 renewed ||
		fail "children before [$before] after [$(children_pids)]"
	process_alive "$SRV_PID" || fail "the master is gone"
	assert_alive
}

@test "TERM stops the master and every child within 5 s" {
	start_server -c 'StartServers 3' -c 'MinSpareServers 2' \
		-c 'MaxSpareServers 5'
	wait_until -t 5 count_is 3
	kids="$(children_pids)"
	# An idle keep-alive connection must not hold the stop back.
	raw -c -t 8000 'GET / HTTP/1.1\r\nHost: t\r\n\r\n' \
		>"$BATS_TEST_TMPDIR/held" 3>&- &
	held=$!
	sleep 0.3
	kill -TERM "$SRV_PID"
	gone() { [ -z "$(group_pids "$SRV_PID")" ]; }
	wait_until -t 5 gone || fail "still running: $(group_pids "$SRV_PID")"
	for pid in $kids; do
		! process_alive "$pid" || fail "child $pid survived"
	done
	wait "$held"
	assert_equal "$(tail -n 1 "$BATS_TEST_TMPDIR/held")" CLOSED
}

@test "/lab/crash loses only the crashing request" {
	start_server -c 'StartServers 3' -c 'MinSpareServers 3' \
		-c 'MaxSpareServers 5' -c 'LabHandlers On'
	wait_until -t 5 count_is 3
	parallel_gets slow 1 '/lab/sleep?ms=1500'
	sleep 0.3
	assert_crash_request_unanswered
	wait_gets
	all_ok slow 1
	assert_alive
	wait_until -t 10 count_is 3 || fail "$(child_count) children"
}

@test "reaching MaxRequestWorkers queues requests and is logged once" {
	start_server -c 'StartServers 2' -c 'MinSpareServers 1' \
		-c 'MaxSpareServers 2' -c 'MaxRequestWorkers 2' \
		-c 'LabHandlers On'
	wait_until -t 5 count_is 2
	parallel_gets first 4 '/lab/sleep?ms=1500'
	wait_gets
	all_ok first 4
	parallel_gets second 4 '/lab/sleep?ms=1500'
	wait_gets
	all_ok second 4
	assert_equal "$(grep -c 'reached MaxRequestWorkers' "$SRV_DIR/error.log")" \
		1 "MaxRequestWorkers lines in the error log"
	count_at_most 2 || fail "$(child_count) children with MaxRequestWorkers 2"
}
