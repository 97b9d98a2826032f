#!/usr/bin/env bats
# prefork-spares.bats - the master's spare-server maintenance, watched from
# outside: children counted with ps once the load is gone, so no request
# has to be served while the pool changes (the grader of the assignment
# prefork-spares runs it; assignments/prefork-spares/README.md).
#
# What it teaches: idle children are what the master regulates. Asked for
# more idle ones than it has, it spawns 1, 2, 4, 8 ... a second, never
# past MaxRequestWorkers; with more than MaxSpareServers idle it retires
# one a second, down to MaxSpareServers and no further. Bounds are wide:
# a loaded 2-core machine may stretch a one-second round.
# Run: bats tests/grade/prefork-spares.bats

MPM=prefork
load ../helpers

teardown() {
	stop_server
}

# sample_children SECONDS STOP_AT: the child count every 0.1 s, one a
# line, into $SAMPLES, until it is STOP_AT (success) or SECONDS have
# passed; gives up after 5 s if the pool has not grown past 2.
sample_children() { # SECONDS STOP_AT
	local end=$((SECONDS + $1)) n

	SAMPLES="$BATS_TEST_TMPDIR/samples"
	: >"$SAMPLES"
	while [ "$SECONDS" -lt "$end" ]; do
		n="$(child_count)"
		echo "$n" >>"$SAMPLES"
		[ "$n" -ne "$2" ] || return 0
		# Nothing new after 5 s: the pool does not grow at all.
		[ "$SECONDS" -lt $((end - $1 + 5)) ] || [ "$n" -gt 2 ] ||
			return 1
		sleep 0.1
	done
	return 1
}

@test "below MinSpareServers: 1, 2, 4, 8, 16 ... a second, up to MaxRequestWorkers" {
	start_server -c 'StartServers 1' -c 'MinSpareServers 48' \
		-c 'MaxSpareServers 64' -c 'MaxRequestWorkers 40'
	sample_children 15 40 ||
		fail "the pool reached $(sort -n "$SAMPLES" | tail -n 1)" \
			"children, not 40, in 15 s (0 new a second is the stub)"
	# Doubling: 1+1+2+4+8+16 = 32 after 5 rounds; a child a second
	# would need 39 s, all at once would skip the counts in between.
	grep -qxE '[3-9]|1[0-9]|2[0-9]' "$SAMPLES" ||
		fail "no count between 3 and 29 was seen: not 1, 2, 4 ..." \
			"$(tr '\n' ' ' <"$SAMPLES")"
	[ "$(wc -l <"$SAMPLES")" -ge 25 ] ||
		fail "40 children within $(wc -l <"$SAMPLES") samples of 0.1 s:" \
			"faster than 1, 2, 4 ... a second"
	grep -q 'spawning 8 children' "$SRV_DIR/error.log" ||
		fail "no \"server seems busy ... spawning 8 children\" line"
	grep -q 'spawning 16 children' "$SRV_DIR/error.log" ||
		fail "no \"... spawning 16 children\" line"
	sleep 1.5
	count_is 40 || fail "$(child_count) children with MaxRequestWorkers 40"
}

@test "above MaxSpareServers: one idle child retired a second, down to it" {
	start_server -c 'StartServers 8' -c 'MinSpareServers 1' \
		-c 'MaxSpareServers 4'
	wait_until -t 5 count_is 8 || fail "$(child_count) children, not 8"
	sleep 1.9
	n="$(child_count)"
	[ "$n" -ge 5 ] ||
		fail "$n children 1.9 s after 8 idle ones: more than one a second"
	wait_until -t 3 count_at_most 7 ||
		fail "still 8 children 5 s after start: none was retired"
	wait_until -t 12 count_is 4 ||
		fail "$(child_count) children, not MaxSpareServers 4, after 12 s"
	sleep 1.5
	count_is 4 || fail "$(child_count) children: below MaxSpareServers 4"
}
