#!/usr/bin/env bats
# valgrind.bats - prefork and worker under valgrind's memcheck during a
# short load, for `make valgrind`.
#
# What it teaches: AddressSanitizer (make sanitize) needs a special build;
# valgrind checks the very binary the kit ships, at a 20-50x slowdown. The
# server runs under memcheck (its children too: they are forks of it, and
# each writes its own log), a small mixed load runs, the server is stopped
# with TERM, and every process's log must say "ERROR SUMMARY: 0 errors"
# (no invalid read or write, no jump on uninitialised memory) with nothing
# "definitely lost" at exit. Memory still reachable at exit is not a leak:
# a child leaves with _exit() and its heap goes with it.
# Needs valgrind; skipped without it. Run: make valgrind

load ../helpers
load hardening

VG_LOGS=""

setup() {
	command -v valgrind >/dev/null || skip "valgrind is not installed"
}

teardown() {
	load_kill
	stop_server
}

# Start $BIN under memcheck through a wrapper (exec keeps the pid).
start_under_valgrind() {
	local wrapper="$BATS_TEST_TMPDIR/under-valgrind"

	VG_LOGS="$BATS_TEST_TMPDIR/vg-logs"
	mkdir -p "$VG_LOGS"
	cat >"$wrapper" <<EOF
#!/bin/sh
exec valgrind --tool=memcheck --leak-check=full --show-leak-kinds=definite \\
	--errors-for-leak-kinds=definite --track-fds=no \\
	--log-file="$VG_LOGS/vg.%p.log" "$BIN" "\$@"
EOF
	chmod +x "$wrapper"
	BIN="$wrapper" start_server "$@"
}

# TERM, and time for every process to write its leak report; stop_server
# (KILL after 5 s) would cut them short.
stop_slowly() {
	local deadline=$((SECONDS + 60))

	kill -TERM -- "-$SRV_PID" 2>/dev/null || true
	while [ -n "$(group_pids "$SRV_PID")" ] && [ "$SECONDS" -lt "$deadline" ]
	do
		sleep 0.2
	done
	[ -z "$(group_pids "$SRV_PID")" ] ||
		fail "still running 60 s after TERM under valgrind"
}

assert_clean_logs() {
	local f bad=0 n=0

	for f in "$VG_LOGS"/vg.*.log; do
		[ -s "$f" ] || continue
		n=$((n + 1))
		if ! grep -q 'ERROR SUMMARY: 0 errors' "$f" ||
		   grep -qE 'definitely lost: [1-9]' "$f"; then
			echo "--- $f" >&2
			grep -vE '^==[0-9]+== *$' "$f" | head -n 60 >&2
			bad=1
		fi
	done
	echo "# $MPM: $n processes checked by memcheck" >&3
	[ "$n" -ge 2 ] || fail "only $n valgrind logs: did it run?" || return 1
	[ "$bad" -eq 0 ] || fail "memcheck found errors (logs above)"
}

memcheck_under_load() {
	local pool=(-c 'MinSpareServers 1' -c 'MaxSpareServers 4')
	local h='Host: x\r\n' close='Connection: close\r\n'
	local te='Transfer-Encoding: chunked\r\n'

	[ "$MPM" = prefork ] || pool=(-c 'ThreadsPerChild 4' \
		-c 'MinSpareThreads 4' -c 'MaxSpareThreads 16')
	start_under_valgrind -c 'LabHandlers On' -c 'StartServers 2' \
		"${pool[@]}" -c 'KeepAliveTimeout 1' -c 'Timeout 5'
	load_start ka -c 2 --timeout 20s -d 4s /files/1k.txt
	load_start close -c 1 --close --timeout 20s -d 4s /index.html
	load_start echo -c 1 -m POST -b 'memcheck' --timeout 20s -d 4s /lab/echo
	load_start range -c 1 -H 'Range: bytes=5-' --timeout 20s -d 4s \
		/files/64k.txt
	# Status, a smuggling attempt, an oversize line, a chunked body.
	raw -t 10000 "GET /server-status?auto HTTP/1.1\r\n$h$close\r\n" >/dev/null
	raw -t 10000 "POST / HTTP/1.1\r\n${h}Content-Length: 1\r\n$te\r\n" \
		>/dev/null
	raw -t 10000 -p 9000 'GET /' >/dev/null
	raw -t 10000 "POST /lab/echo HTTP/1.1\r\n$h$te\r\n3\r\nabc\r\n0\r\n\r\n" \
		>/dev/null
	load_wait
	echo "# $MPM: $(load_summary ka)" >&3
	[ "$(load_field ka requests)" -gt 0 ] ||
		fail "no request served under valgrind" || return 1
	stop_slowly || return 1
	SRV_PID=""
	assert_clean_logs
}

@test "prefork: memcheck finds no invalid access and no leak under a short load" {
	use_mpm prefork
	memcheck_under_load
}

@test "worker: memcheck finds no invalid access and no leak under a short load" {
	use_mpm worker
	memcheck_under_load
}
