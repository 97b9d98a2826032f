#!/bin/sh
# assignments/handout.sh - write the student kit (make handout).
#
# What it does: copies the kit (the files git knows, committed or not
# ignored) to build/handout, leaving out the answers: every INSTRUCTOR.md,
# every committed measurement (labs/*/measured, the slides' example
# results), this generator and the stubs. In each source, a solution
# region
#     /* BEGIN SOLUTION NAME: stubs/FILE */
#     ... the reference code ...
#     /* END SOLUTION */
# is replaced by assignments/NAME/stubs/FILE, a stand-in that compiles,
# runs and fails the grader's tests. So the reference servers are the one
# source of truth; a stub is only what a student starts from.
#
# It checks what can go wrong: a BEGIN without END (or the reverse), a
# nested region, a stub file that is missing or never used, a marker left
# in the handout, and that the stubbed tree builds without a warning (in
# a scratch build folder, removed afterwards: the handout holds sources).
#
# Usage: assignments/handout.sh [OUT]   (OUT defaults to build/handout)
# Needs: sh, awk, tar, git, make and a C compiler.
set -eu

cd "$(dirname "$0")/.."
root=$(pwd)
out=${1:-build/handout}
log=$root/build/handout.log

die() {
	echo "handout: $*" >&2
	exit 1
}

git rev-parse --is-inside-work-tree >/dev/null 2>&1 ||
	die "needs the kit's git checkout (this looks like a handout already)"
[ -d assignments ] || die "no assignments/ folder"

# What students do not get. Patterns for grep -E on paths.
leave_out='(^|/)INSTRUCTOR\.md$'
leave_out="$leave_out|^labs/[^/]+/measured/|^labs/[^/]+/results/"
leave_out="$leave_out|^slides/figures/example/"
leave_out="$leave_out|^assignments/README\.md$|^assignments/HANDOUT\.md$"
leave_out="$leave_out|^assignments/handout\.sh$|^assignments/[^/]+/stubs/"
leave_out="$leave_out|^tests/(assignments|handout)\.bats$|^tests/grading\.bash$"

rm -rf "$out" "$out.tmp"
mkdir -p "$out.tmp" "$(dirname "$log")"
git ls-files --cached --others --exclude-standard |
	grep -Ev "$leave_out" |
	while IFS= read -r f; do [ -f "$f" ] && printf '%s\n' "$f"; done |
	tar -cf - -T - | tar -xf - -C "$out.tmp"

# The kit's own README stays, as KIT.md; the students' README leads.
mv "$out.tmp/README.md" "$out.tmp/KIT.md"
cp assignments/HANDOUT.md "$out.tmp/README.md"

# Links to what was left out would lead nowhere: the worksheets' links to
# the instructor notes, and any link into a measured/ folder.
for f in "$out.tmp"/labs/*/README.md; do
	sed -i 's#^\[INSTRUCTOR\.md\](INSTRUCTOR\.md)\.$#your instructor has them (they are not in the student kit).#' "$f"
done
grep -rlE --include='*.md' '\]\([^)]*measured/' "$out.tmp" | while IFS= read -r f; do
	sed -i 's#\[\([^]]*\)\](\([^)]*/\)\{0,1\}measured/[^)]*)#\1 (in the instructor'"'"'s copy of the kit)#g' "$f"
done

# Replace the regions. awk prints each stub it used on fd 3 (a file).
used=$out.tmp/.stubs-used
: >"$used"
for f in $(grep -rl --include='*.c' --include='*.h' 'BEGIN SOLUTION' \
	   "$out.tmp" | sort); do
	rel=${f#"$out.tmp"/}
	awk -v file="$rel" -v root="$root" -v used="$used" '
	function fail(msg) {
		printf "handout: %s:%d: %s\n", file, NR, msg > "/dev/stderr"
		bad = 1
		exit 1
	}
	/\/\* BEGIN SOLUTION / {
		if (inside)
			fail("BEGIN SOLUTION inside another region")
		if (!match($0, /BEGIN SOLUTION [a-z0-9-]+: stubs\/[A-Za-z0-9_.-]+ \*\//))
			fail("marker is not \"/* BEGIN SOLUTION NAME: stubs/FILE */\"")
		split(substr($0, RSTART, RLENGTH), w, /[ :]+/)
		stub = root "/assignments/" w[3] "/" w[4]
		n = 0
		while ((getline line < stub) > 0) {
			print line
			n++
		}
		close(stub)
		if (n == 0)
			fail("stub " stub " is missing or empty")
		print "assignments/" w[3] "/" w[4] >> used
		inside = 1
		next
	}
	/\/\* END SOLUTION \*\// {
		if (!inside)
			fail("END SOLUTION without a BEGIN")
		inside = 0
		next
	}
	!inside { print }
	END {
		if (!bad && inside)
			fail("BEGIN SOLUTION without an END")
	}' "$f" >"$f.new" || die "$rel: no handout written"
	mv "$f.new" "$f"
done

# Every stub in use, no marker left.
for s in assignments/*/stubs/*; do
	[ -f "$s" ] || continue
	grep -qx "$s" "$used" || die "$s is not named by any BEGIN SOLUTION"
done
rm -f "$used"
left=$(grep -rlE '(BEGIN|END) SOLUTION' "$out.tmp" || true)
[ -z "$left" ] || die "markers left in: $left"

# The stubbed tree must build, warnings-clean, in a scratch folder.
if ! make -C "$out.tmp" -j2 all BUILD=build/check BIN=build/check \
	>"$log" 2>&1; then
	tail -n 30 "$log" >&2
	die "the stubbed tree does not build (log: $log)"
fi
if grep -q 'warning:' "$log"; then
	grep 'warning:' "$log" >&2
	die "the stubbed tree builds with warnings (log: $log)"
fi
rm -rf "$out.tmp/build"
mv "$out.tmp" "$out"
n=$(ls "$out"/assignments/*/checks | wc -l)
echo "handout: $out written, $n assignments; build it with: cd $out && make"
