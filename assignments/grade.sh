#!/bin/sh
# assignments/grade.sh - the autograder of the assignments (make grade).
#
# Usage: assignments/grade.sh [NAME...]   (default: every assignment)
# Each assignment's checks are in assignments/NAME/checks: lines of
#     POINTS | TITLE | COMMAND
# run in order from the kit's root (assignments/bin on the PATH), each
# with a time limit. A check scores all its points when COMMAND exits 0,
# none otherwise; `passed N && COMMAND` runs only if check N passed. Output: one
# line per check with its points, then "NAME: P/M points" for each
# assignment, and last "total: P/M points". A check that cannot run on
# this machine (ThreadSanitizer without clang) says NOT GRADED, with why,
# and its points count in neither P nor M.
#
# The output of each check is kept in build/grade/NAME/N.log: read it to
# see which test failed and why. Exit status 0 when every check passed.
#
# Environment: GRADE_CHECK_SECONDS, the time limit of one check (120).
set -u

cd "$(dirname "$0")/.."
root=$(pwd)
limit=${GRADE_CHECK_SECONDS:-120}
export PATH="$root/assignments/bin:$PATH"
# The plain build is what is graded (make grade builds it first).
export KIT_BIN="$root" KIT_BUILD="$root/build/plain"

total_got=0 total_max=0 all_passed=true

# grade_one NAME: run the checks of one assignment, print its lines.
grade_one() {
	name=$1 n=0 got=0 max=0 passed=
	checks=assignments/$name/checks
	if [ ! -f "$checks" ]; then
		echo "grade: no assignment $name (see assignments/*/checks)" >&2
		return 1
	fi
	rm -rf "build/grade/$name"
	mkdir -p "build/grade/$name"
	echo "== $name"
	while IFS='|' read -r points title command; do
		case $points in ''|'#'*) continue ;; esac
		points=$(echo "$points" | tr -d ' ')
		title=$(echo "$title" | sed 's/^ *//; s/ *$//')
		n=$((n + 1))
		log=build/grade/$name/$n.log
		start=$(date +%s)
		GRADE_PASSED=$passed timeout -k 5 "$limit" sh -c "$command" \
			</dev/null >"$log" 2>&1
		status=$?
		took="$(($(date +%s) - start)) s"
		if [ "$status" -eq 0 ]; then
			got=$((got + points))
			max=$((max + points))
			passed="$passed $n"
			printf '  %2d/%-2d  %s (%s)\n' "$points" "$points" \
				"$title" "$took"
		elif [ "$status" -eq 77 ]; then
			printf '   -/%-2d  %s: NOT GRADED, not counted (%s)\n' \
				"$points" "$title" "$(tail -n 1 "$log")"
		else
			max=$((max + points))
			all_passed=false
			why="see $log"
			[ "$status" -ne 124 ] && [ "$status" -ne 137 ] ||
				why="over the ${limit} s limit; $why"
			printf '  %2d/%-2d  %s (%s)  FAILED: %s\n' 0 "$points" \
				"$title" "$took" "$why"
		fi
	done <"$checks"
	echo "$name: $got/$max points"
	total_got=$((total_got + got))
	total_max=$((total_max + max))
}

# The staged order first, then any other assignment.
order="prefork-spares worker-queue event-keepalive http-parser"
if [ $# -eq 0 ]; then
	for c in assignments/*/checks; do
		a=$(basename "$(dirname "$c")")
		case " $order " in *" $a "*) ;; *) order="$order $a" ;; esac
	done
	set -- $order
fi
for a in "$@"; do
	grade_one "$a" || exit 2
done
echo "total: $total_got/$total_max points"
$all_passed
