#!/usr/bin/env bats
# assignments.bats - the reference (this repository) scores full marks on
# every assignment (assignments/README.md); handout.bats checks that a
# fresh handout does not.
#
# What it teaches: a grader is a test too. If it gave the reference fewer
# than all its points, students would be graded on noise; if a test it
# names were renamed, its filter would select nothing.
#
# Cost: about 20 s on 2 cores inside make test, where a check that is a
# named subset of a suite the same run runs (event.bats, lab 6 ...) only
# counts its tests (assignments/bin/run-bats) and that suite's own result
# decides; about 70 s run alone (SUITES=tests/assignments.bats
# tests/run-all, or make grade), where every check runs.

load helpers
load grading

# The graders measure the plain build (labs, timing bounds).
setup() {
	plain_build || skip "the graders measure the plain build, not KIT_BIN=$KIT_BIN"
}

@test "the reference scores full marks on every assignment" {
	local name got max

	(cd "$ROOT" && env -u MPM sh assignments/grade.sh) \
		>"$BATS_FILE_TMPDIR/reference.txt" 2>&1 3>&- || true
	grade_lines "$BATS_FILE_TMPDIR/reference.txt" >"$BATS_TEST_TMPDIR/lines" ||
		return 1
	while read -r name got max; do
		[ "$max" -gt 0 ] && [ "$got" -eq "$max" ] ||
			fail "reference $name: $got/$max points:" \
				"$(cat "$BATS_FILE_TMPDIR/reference.txt")" || return 1
	done <"$BATS_TEST_TMPDIR/lines"
}

# A probe suite in a tree of its own: one test that leaves a mark, one
# that fails.
probe_tree() {
	mkdir -p "$BATS_TEST_TMPDIR/tree/tests"
	PROBE="$(cd "$BATS_TEST_TMPDIR/tree" && pwd -P)"
	# (printf: Bats would rewrite test lines in a here-document)
	printf '%s\n' '@test "probe marks" { echo ran >>"$PROBE_MARK"; }' \
		'@test "probe fails" { false; }' >"$PROBE/tests/probe.bats"
	export PROBE_MARK="$BATS_TEST_TMPDIR/mark"
}

# in_run SUITES CMD...: CMD as if make test, run in the probe tree, ran
# SUITES.
in_run() {
	local suites=$1
	shift
	(cd "$PROBE" && KIT_RUN_SUITES="$suites" KIT_RUN_ROOT="$PROBE" \
		KIT_RUN_BIN="$PROBE" KIT_BIN="$PROBE" "$@")
}

@test "run-bats: a suite the same make test runs is counted, not run twice" {
	local rb="$ROOT/assignments/bin/run-bats"

	probe_tree
	run in_run "tests/probe.bats" "$rb" tests/probe.bats 1 'marks'
	[ "$status" -eq 0 ] && [ ! -e "$PROBE_MARK" ] ||
		fail "counted: status $status, ran: $(cat "$PROBE_MARK" 2>/dev/null): $output"
	run in_run "tests/probe.bats" "$rb" tests/probe.bats 2 'marks'
	[ "$status" -eq 1 ] || fail "a wrong count passed: $output"
	# Not in this run, or another tree: it runs, and a failure counts.
	run in_run "other" "$rb" tests/probe.bats 1 'marks'
	[ "$status" -eq 0 ] && [ -s "$PROBE_MARK" ] || fail "not run: $output"
	run env KIT_RUN_SUITES=tests/probe.bats KIT_RUN_ROOT=/ KIT_RUN_BIN=/ \
		sh -c "cd '$PROBE' && '$rb' tests/probe.bats 1 fails"
	[ "$status" -eq 1 ] || fail "another tree's run was trusted: $output"
}
