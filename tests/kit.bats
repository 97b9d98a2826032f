#!/usr/bin/env bats
# kit.bats - common/kit.sh, the one shell library that the tests, the labs,
# the slide demos and make bench start and stop servers with.
#
# What it checks: an MPM name gives its binary; a port taken by another
# program (the server exits 3) is retried on another port, and a server
# that fails otherwise is reported with its status, not retried; stopping
# leaves no process of the server's group; the /proc readers (threads,
# PSS, CPU ticks) count a running server's processes.

load helpers

setup() {
	need_binaries || return 1
	KT="$BATS_TEST_TMPDIR"
}

teardown() {
	stop_server
}

@test "kit: an MPM name gives its folder and binary, an unknown one fails" {
	assert_equal "$(kit_mpm_dir prefork)" 01-prefork
	assert_equal "$(kit_mpm_dir worker)" 02-worker
	assert_equal "$(kit_mpm_dir event)" 03-event
	assert_equal "$(kit_binary event /opt/kit)" /opt/kit/03-event/event
	assert_equal "$(KIT_BIN=build/asan kit_binary worker)" "$ROOT/build/asan/02-worker/worker"
	run kit_mpm_dir winnt
	[ "$status" -ne 0 ] || fail "winnt was given a folder: $output"
	run kit_binary winnt
	[ "$status" -ne 0 ] || fail "winnt was given a binary: $output"
}

@test "kit: the exit status it retries on is the servers' own" {
	local defined
	local defined limit
	defined=$(cat "$ROOT"/common/*.h | awk '$1 == "#define" &&
		$2 == "SERVER_EXIT_ADDRESS_IN_USE" { print $3 }')
	assert_equal "$KIT_EXIT_ADDRESS_IN_USE" "$defined" "exit status for an address in use"
	# The limit server (make bench LIMIT=1) says it the same way.
	limit="$(in_root "${KIT_BIN:-.}")/labs/bench/limit"
	[ -x "$limit" ] || skip "no $limit (make limit)"
	start_server
	run timeout 10 "$limit" "$PORT" 1
	assert_equal "$status" 3 "limit's status on a port in use"
}

# A port held by another server, handed out by pick_port twice: the
# second server exits 3 twice, and the third port is a free one.
@test "kit: a port in use (exit status 3) is retried on another port" {
	local busy picks="$KT/picks" second
	start_server
	busy=$PORT
	: >"$picks"
	pick_port() {
		echo x >>"$picks"
		if [ "$(wc -l <"$picks")" -le 2 ]; then echo "$busy"
		else echo $((20000 + RANDOM % 12768)); fi
	}
	kit_start -o "$KT/out" -- "$BIN" -c "Listen 127.0.0.1:@PORT@" ||
		fail "did not start: $KIT_WHY: $(cat "$KT/out")"
	second=$KIT_PID
	assert_equal "$(wc -l <"$picks")" 3 "ports tried"
	[ "$KIT_PORT" != "$busy" ] || fail "started on the busy port"
	curl -s -o /dev/null --max-time 5 "http://127.0.0.1:$KIT_PORT/" ||
		fail "it does not answer on $KIT_PORT"
	kit_stop "$second" 5 || fail "kit_stop: left $KIT_LEFT"
}

@test "kit: a server that fails for another reason is not retried" {
	local picks="$KT/picks"
	: >"$picks"
	pick_port() { echo x >>"$picks"; echo $((20000 + RANDOM % 12768)); }
	run kit_start -o "$KT/out" -- "$BIN" -c "Listen 127.0.0.1:@PORT@" \
		-c "NoSuchDirective 1"
	[ "$status" -eq 1 ] || fail "kit_start: status $status"
	assert_equal "$(wc -l <"$picks")" 1 "attempts"
	kit_start -o "$KT/out" -- "$BIN" -c "NoSuchDirective 1" || true
	[ "$KIT_STATUS" != "" ] && [ "$KIT_STATUS" != 0 ] &&
		[ "$KIT_STATUS" != 3 ] || fail "KIT_STATUS [$KIT_STATUS]"
	assert_contains "$KIT_WHY" "exited with status $KIT_STATUS"
}

@test "kit: the /proc readers count the server's processes; kit_stop leaves none" {
	local pids n threads pss t0 t1
	start_server -c 'StartServers 2'
	wait_until -t 10 count_is 2 || fail "$(child_count) children, not 2"
	pids=$(group_pids "$SRV_PID")
	n=$(wc -w <<<"$pids")
	[ "$n" -eq 3 ] || fail "process group: [$pids]"
	# shellcheck disable=SC2086
	threads=$(kit_threads $pids)
	[ "$threads" -ge 3 ] || fail "threads: $threads"
	# shellcheck disable=SC2086
	pss=$(kit_pss_kib $pids)
	[ "$pss" -gt 100 ] || fail "PSS: $pss KiB"
	# The master's pss alone is less than the group's.
	[ "$(kit_pss_kib "$SRV_PID")" -lt "$pss" ] || fail "PSS does not add up"
	# shellcheck disable=SC2086
	t0=$(kit_cpu_ticks $pids)
	timeout 20 "$(in_root "${KIT_BIN:-.}")/labs/tools/loadgen" -q -c 4 -d 2 \
		"http://127.0.0.1:$PORT/files/1k.txt" >/dev/null 2>&1 3>&- || true
	# shellcheck disable=SC2086
	t1=$(kit_cpu_ticks $pids)
	[ "$t1" -gt "$t0" ] || fail "CPU ticks did not grow: $t0 -> $t1"
	kit_stop "$SRV_PID" 5 || fail "kit_stop: status $? (left: $KIT_LEFT)"
	[ -z "$(group_pids "$SRV_PID")" ] || fail "left: $(group_pids "$SRV_PID")"
	SRV_PID=""
}
