#!/usr/bin/env bats
# tsan-load.bats - worker and event under a concurrent load that exercises
# every path where their threads meet, for `make tsan`.
#
# What it teaches: ThreadSanitizer only reports the races that happen
# while it watches, so a TSan run is as good as the load it is given. This
# one makes the threads of a child meet everywhere they can: keep-alive
# and new connections, request bodies, the scoreboard read by
# /server-status while workers write it, idle keep-alive holders and slow
# clients (the listener's timeouts), children retiring after
# MaxConnectionsPerChild, and a graceful restart in the middle.
# /lab/unsafe (a deliberate race) and /lab/crash are left out.
#
# `make tsan` runs it with TSan builds and TSAN_OPTIONS log_path set, and
# fails on any report file; KIT_TSAN_REPORTS names that folder so each test
# here fails at once on its own reports. With a normal build it is a plain
# concurrency smoke test. Run: make tsan

load ../helpers
load hardening

teardown() {
	load_kill
	stop_server
}

tsan_reports() {
	local dir="${KIT_TSAN_REPORTS:-}"

	grep -l ThreadSanitizer "$SRV_DIR/stderr" "$SRV_DIR/error.log" \
		2>/dev/null
	[ -n "$dir" ] && [ -d "$dir" ] && ls "$dir"/* 2>/dev/null
	return 0
}

threads_meet() {
	local found

	# TSan slows everything down ~5-15x: generous timeouts.
	start_server -c 'LabHandlers On' -c 'StartServers 2' \
		-c 'ThreadsPerChild 8' -c 'MinSpareThreads 8' \
		-c 'MaxSpareThreads 32' -c 'MaxConnectionsPerChild 300' \
		-c 'KeepAliveTimeout 1' -c 'Timeout 5'
	load_start ka -c 4 --timeout 20s -d 8s /files/1k.txt
	load_start close -c 2 --close --timeout 20s -d 8s '/lab/sleep?ms=5'
	load_start status -c 1 --timeout 20s -d 8s '/server-status?auto'
	load_start echo -c 2 -m POST -b 'hello, threads' --timeout 20s -d 8s \
		/lab/echo
	load_start hold --idle 6 --slow 2 --slow-every 200ms -d 8s /files/1k.txt
	sleep 3
	kill -USR1 "$SRV_PID"
	load_wait
	echo "# $MPM: $(load_summary ka)" >&3
	[ "$(load_field ka requests)" -gt 50 ] ||
		fail "too few requests: $(load_summary ka)" || return 1
	assert_alive || return 1
	stop_server || return 1
	found="$(tsan_reports)"
	[ -z "$found" ] || {
		head -n 60 $found >&2
		fail "ThreadSanitizer reports: $found"
	}
}

@test "worker: threads meet under a concurrent load and a graceful restart" {
	use_mpm worker
	threads_meet
}

@test "event: threads meet under a concurrent load and a graceful restart" {
	use_mpm event
	threads_meet
}
