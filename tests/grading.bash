# grading.bash - what assignments.bats and handout.bats share: the
# assignments and the shape of a grader's output.

ASSIGNMENTS="prefork-spares worker-queue event-keepalive http-parser"

# grade_lines FILE: check the shape of a grader's output: a NAME line per
# assignment and "total: P/M points" last. Prints "NAME P M" per line.
grade_lines() {
	local a line

	tail -n 1 "$1" | grep -qE '^total: [0-9]+/[0-9]+ points$' ||
		fail "the last line is not the total: $(tail -n 1 "$1")" || return 1
	for a in $ASSIGNMENTS; do
		line="$(grep -E "^$a: [0-9]+/[0-9]+ points$" "$1")" ||
			fail "no \"$a: P/M points\" line in the grade" || return 1
		echo "$line" | sed -E 's/^([a-z-]+): ([0-9]+)\/([0-9]+) points$/\1 \2 \3/'
	done
}
