#!/usr/bin/env bats
# handout.bats - the students' edition: make handout leaves the answers
# out and builds, its servers start, and a fresh handout scores less than
# half on each assignment (assignments/README.md). assignments.bats checks
# that the reference scores full marks.
#
# What it teaches: the stand-ins must not earn points. If a grader gave
# them some, a student would be graded on what they did not write; if a
# change to a server moved code out of its solution region, the handout
# would no longer build.
#
# Cost: one handout written and built (about 20 s), graded once (about
# 80 s on 2 cores, most of it waiting on servers' timeouts, so make test
# runs it beside other suites).

load helpers
load grading

setup_file() {
	export HANDOUT="$BATS_FILE_TMPDIR/handout"
}

# The graders measure the plain build (labs, timing bounds).
setup() {
	plain_build || skip "the graders measure the plain build, not KIT_BIN=$KIT_BIN"
}

@test "make handout: stubs in place, answers out, student README on top, builds" {
	run sh "$ROOT/assignments/handout.sh" "$HANDOUT"
	[ "$status" -eq 0 ] || fail "handout.sh failed: $output"
	[ -z "$(cd "$HANDOUT" && find . -name INSTRUCTOR.md -o -path '*/measured/*' -o -path '*/stubs/*')" ] ||
		fail "answers left in the handout"
	! grep -rqE '(BEGIN|END) SOLUTION' "$HANDOUT" || fail "markers left"
	! grep -rqE --include='*.md' '\]\([^)]*measured/' "$HANDOUT" ||
		fail "a link into a measured/ folder the handout leaves out"
	! grep -rqE '\]\(([^)]*/)?INSTRUCTOR\.md\)' "$HANDOUT" ||
		fail "a link to instructor notes the handout leaves out: $(grep -rlE '\]\(([^)]*/)?INSTRUCTOR\.md\)' "$HANDOUT")"
	grep -q 'student edition' "$HANDOUT/README.md" ||
		fail "the handout's README is not the students' one"
	for a in $ASSIGNMENTS; do
		[ -s "$HANDOUT/assignments/$a/README.md" ] ||
			fail "no README for $a in the handout"
		grep -rq "ASSIGNMENT $a" "$HANDOUT"/common "$HANDOUT"/03-event ||
			fail "no stub of $a in the handout's sources"
	done
	# nice: a build beside a suite that measures must not slow it.
	run nice make -C "$HANDOUT" -j2
	[ "$status" -eq 0 ] || fail "the handout does not build: ${output: -2000}"
}

@test "the handout's three servers start and answer" {
	local mpm dir port pid code

	for mpm in prefork worker event; do
		dir="$(kit_mpm_dir "$mpm")"
		port="$(pick_port)"
		setsid "$HANDOUT/$dir/$mpm" -c "Listen 127.0.0.1:$port" \
			-c "ErrorLog $BATS_TEST_TMPDIR/$mpm.log" \
			-c "DocumentRoot $HANDOUT/common/htdocs" \
			</dev/null >/dev/null 2>&1 3>&- &
		pid=$!
		code=000
		for _ in $(seq 1 50); do
			code="$(curl -s -o /dev/null -w '%{http_code}' \
				--max-time 2 "http://127.0.0.1:$port/")" || true
			[ "$code" != 200 ] || break
			sleep 0.1
		done
		kill -TERM -- "-$pid" 2>/dev/null
		wait "$pid" 2>/dev/null || true
		[ "$code" = 200 ] || fail "handout's $mpm: GET / gave $code"
	done
}

@test "a fresh handout scores less than half on every assignment" {
	local name got max

	[ -x "$HANDOUT/01-prefork/prefork" ] || fail "no handout built"
	(cd "$HANDOUT" && env -u MPM -u KIT_BIN -u KIT_BUILD -u KIT_RUN_SUITES \
		sh assignments/grade.sh) \
		>"$BATS_FILE_TMPDIR/handout.txt" 2>&1 3>&- || true
	grade_lines "$BATS_FILE_TMPDIR/handout.txt" >"$BATS_TEST_TMPDIR/lines" ||
		return 1
	while read -r name got max; do
		[ "$max" -gt 0 ] && [ $((2 * got)) -lt "$max" ] ||
			fail "handout $name: $got/$max points, not under half:" \
				"$(cat "$BATS_FILE_TMPDIR/handout.txt")" || return 1
	done <"$BATS_TEST_TMPDIR/lines"
}
