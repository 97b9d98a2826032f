#!/usr/bin/env bats
# layout.bats - the shape of the code that the READMEs promise a reader.
#
# What it teaches: an architecture is a claim that can rot. These checks
# keep three of its promises true as the code changes: worker.c and
# event.c hold only what the two MPMs are about (the thread's job and the
# listener; their common child is common/threaded.c), common/'s modules
# depend on each other without a cycle, and the kit talks about servers,
# not about its own tracker.

load helpers

# parts FILE: the names of FILE's parts ("/* ---- NAME ----" lines).
parts() {
	grep -oE '^/\* ---- [A-Za-z ]+' "$1" | sed 's|^/\* ---- ||; s/ *$//' | paste -sd,
}

@test "layout: worker.c and event.c have the same two parts; the rest of the child is common" {
	local f

	for f in 02-worker/worker.c 03-event/event.c; do
		[ "$(parts "$ROOT/$f")" = "The job of a worker thread,The listener" ] ||
			fail "$f: parts are '$(parts "$ROOT/$f")'"
		grep -qE '^static void serve_connection\(' "$ROOT/$f" ||
			fail "$f has no serve_connection()"
		grep -qE 'return threaded_main\(argc, argv, "(worker|event)", MPM_[A-Z]+,' "$ROOT/$f" ||
			fail "$f: main() is not threaded_main()"
		! grep -qE '^(static )?[a-z ]+\*?(stop_gracefully|child_start|child_main)\(' "$ROOT/$f" ||
			fail "$f has a child of its own (common/threaded.c holds it)"
	done
	grep -qE '^static bool stop_gracefully\(' "$ROOT/common/threaded.c" ||
		fail "no graceful stop in common/threaded.c"
}

@test "layout: after the listener, worker.c and event.c differ only in the MPM's name" {
	run diff <(sed -n '/^int main(/,$p' "$ROOT/02-worker/worker.c" | sed 's/worker/event/g; s/WORKER/EVENT/g') \
		<(sed -n '/^int main(/,$p' "$ROOT/03-event/event.c")
	[ "$status" -eq 0 ] || fail "main() differs: $output"
}

# module_deps: "A B" for each module A of common/ whose .c or .h includes
# common/B.h.
module_deps() {
	local f a b

	for f in "$ROOT"/common/*.c "$ROOT"/common/*.h; do
		a="$(basename "${f%.*}")"
		grep -oE '^#include "[a-z_]+\.h"' "$f" | sed -E 's/.*"([a-z_]+)\.h"/\1/' |
			while read -r b; do
				[ "$a" = "$b" ] || [ ! -f "$ROOT/common/$b.h" ] || echo "$a $b"
			done
	done | sort -u
}

@test "layout: common/'s modules include each other without a cycle" {
	run module_deps
	[ "$status" -eq 0 ] && [ "${#lines[@]}" -gt 20 ] ||
		fail "found too few dependencies to judge (${#lines[@]})"
	run tsort <<<"$output"
	[ "$status" -eq 0 ] || fail "a cycle: $output"
}

@test "layout: the check finds a cycle when there is one" {
	run tsort <<<$'conn handler\nhandler lab\nlab conn'
	[ "$status" -ne 0 ]
}

@test "layout: no tracker vocabulary in the tree" {
	run grep -rIniE 'issue [0-9]|issue #[0-9]' "$ROOT" --exclude-dir=.git \
		--exclude-dir=build --exclude-dir=results
	[ "$status" -eq 1 ] || fail "found: ${output:0:2000}"
}
