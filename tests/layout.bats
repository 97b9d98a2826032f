#!/usr/bin/env bats
# layout.bats - the shape of the code that the READMEs promise a reader.
#
# What it teaches: an architecture is a claim that can rot. These checks
# keep three of its promises true as the code changes: worker.c and
# event.c differ only in what the two MPMs are about (the thread's job and
# the listener), common/'s modules depend on each other without a cycle,
# and the kit talks about servers, not about its own tracker.

load helpers

# section FILE FROM: the lines of FILE from the line holding FROM to the
# end, without main()'s MPM name.
section() {
	sed -n "/$2/,\$p" "$1" | grep -v 'return master_main('
}

@test "layout: worker.c and event.c share their graceful stop and child, line for line" {
	local from='^\/\* ---- Graceful stop'

	grep -q "$from" "$ROOT/02-worker/worker.c" || fail "no graceful stop section in worker.c"
	grep -q "$from" "$ROOT/03-event/event.c" || fail "no graceful stop section in event.c"
	run diff <(section "$ROOT/02-worker/worker.c" "$from") \
		<(section "$ROOT/03-event/event.c" "$from")
	[ "$status" -eq 0 ] || fail "they differ: $output"
}

@test "layout: worker.c and event.c have the same four parts in the same order" {
	local f parts

	for f in 02-worker/worker.c 03-event/event.c; do
		parts="$(grep -oE '^/\* ---- [A-Za-z ]+' "$ROOT/$f" | sed 's|^/\* ---- ||; s/ *$//' | paste -sd,)"
		[ "$parts" = "The job of a worker thread,The listener,Graceful stop,The child" ] ||
			fail "$f: parts are '$parts'"
	done
	for f in serve_connection stop_gracefully child_start child_main; do
		grep -qE "^static [a-z ]+\*?$f\(" "$ROOT/02-worker/worker.c" ||
			fail "worker.c has no $f()"
		grep -qE "^static [a-z ]+\*?$f\(" "$ROOT/03-event/event.c" ||
			fail "event.c has no $f()"
	done
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
