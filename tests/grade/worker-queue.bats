#!/usr/bin/env bats
# worker-queue.bats - the thread pool of 02-worker seen from its clients
# (the grader of the assignment worker-queue runs it;
# assignments/worker-queue/README.md).
#
# What it teaches: a worker child serves as many connections at once as
# it has threads, and no more: a thread held by an idle keep-alive client
# is one thread less, not a stuck server; connections beyond the threads
# wait in the kernel's backlog until a thread is free. Bounds are wide: a
# loaded 2-core machine may be slow, but never by seconds.
# Run: MPM=worker bats tests/grade/worker-queue.bats

MPM=worker
load ../helpers

teardown() {
	stop_clients
	stop_server
}

# One child, three threads, no maintenance in the way.
THREE_THREADS=(-c 'ThreadsPerChild 3' -c 'ServerLimit 1' -c 'StartServers 1'
	-c 'MaxRequestWorkers 3' -c 'MinSpareThreads 1' -c 'MaxSpareThreads 3')

@test "with a thread free, two idle keep-alive clients do not delay a third" {
	start_server "${THREE_THREADS[@]}" -c 'KeepAliveTimeout 5'
	"$RAW" -k 2 -t 20000 "$PORT" \
		'GET /files/1k.txt HTTP/1.1\r\nHost: t\r\n\r\n' \
		>/dev/null 2>&1 3>&- &
	CLIENTS+=($!)
	logged() { [ -f "$SRV_DIR/access.log" ] &&
		[ "$(wc -l <"$SRV_DIR/access.log")" -ge 2 ]; }
	wait_until -t 4 logged ||
		fail "two clients at once: the second got no answer in 4 s"
	t0="$(now_ms)"
	code="$(http_code /files/1k.txt --max-time 10)"
	ms=$(($(now_ms) - t0))
	assert_equal "$code" 200 "the third client"
	[ "$ms" -lt 2000 ] ||
		fail "the third client waited $ms ms with a thread free"
}

@test "nine 1-second requests on three threads: three at a time, all answered" {
	start_server "${THREE_THREADS[@]}" -c 'LabHandlers On'
	t0="$(now_ms)"
	parallel_gets slow 9 '/lab/sleep?ms=1000'
	answered() { [ "$(cat "$BATS_TEST_TMPDIR"/codes.slow.* | wc -c)" -ge 27 ]; }
	wait_until -t 7 answered ||
		fail "9 requests not all answered in 7 s: not 3 at a time"
	ms=$(($(now_ms) - t0))
	wait_gets
	all_ok slow 9
	# Three rounds of three: about 3 s. One at a time would be 9 s.
	[ "$ms" -ge 2500 ] || fail "9 requests in $ms ms: more than 3 at a time"
	[ "$ms" -lt 7000 ] || fail "9 requests took $ms ms: not 3 at a time"
}
