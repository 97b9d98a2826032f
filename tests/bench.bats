#!/usr/bin/env bats
# bench.bats - `make bench` in its quick mode (QUICK=1: 1 s a scenario).
#
# What it checks: the shape of what a workshop relies on, not speed. The
# command succeeds; its Markdown table has the expected columns and one
# row per server and scenario; the CSV has a header and rows of the same
# width; the SVG is one well-formed <svg> with one series per server and
# one bar per row; the conditions are recorded; and no server is left
# running. The bench runs once (setup_file); each test looks at one part.

load helpers

SCENARIO_COUNT=5 # keep-alive 1, 16, 128; new connection 16; 16 + idle

setup_file() {
	local out="$BATS_FILE_TMPDIR/out" start

	start=$SECONDS
	# Plain `make bench`, as a user runs it, with the output kept apart.
	timeout 300 make -C "$ROOT" --no-print-directory bench QUICK=1 \
		BENCH_OUT="$out" >"$BATS_FILE_TMPDIR/stdout" \
		2>"$BATS_FILE_TMPDIR/stderr"
	echo $? >"$BATS_FILE_TMPDIR/status"
	echo $((SECONDS - start)) >"$BATS_FILE_TMPDIR/seconds"
}

out_dir() { echo "$BATS_FILE_TMPDIR/out"; }

# The kit's servers that are built: the rows the table must have.
built_servers() {
	local m d
	for m in prefork worker event; do
		case $m in prefork) d=01-prefork ;; worker) d=02-worker ;; event) d=03-event ;; esac
		[ -x "$ROOT/$d/$m" ] && echo "$m"
	done
}

show_run() {
	echo "--- stdout"; tail -n 40 "$BATS_FILE_TMPDIR/stdout"
	echo "--- stderr"; tail -n 40 "$BATS_FILE_TMPDIR/stderr"
}

@test "bench: make bench QUICK=1 succeeds, says where its results are" {
	local st
	st=$(cat "$BATS_FILE_TMPDIR/status")
	[ "$st" -eq 0 ] || { show_run >&2; fail "make bench exited $st"; }
	assert_contains "$(cat "$BATS_FILE_TMPDIR/stdout")" "Results in $(out_dir)"
	[ -s "$(out_dir)/bench.md" ] && [ -s "$(out_dir)/bench.csv" ] &&
		[ -s "$(out_dir)/bench.svg" ] || fail "missing files: $(ls "$(out_dir)")"
	# Progress lines while it works, one per run.
	[ "$(grep -c '^bench: \[[0-9]*/[0-9]*\]' "$BATS_FILE_TMPDIR/stderr")" -eq \
	  $(( $(built_servers | wc -l) * SCENARIO_COUNT )) ] ||
		{ show_run >&2; fail "not one progress line per run"; }
	echo "make bench QUICK=1 took $(cat "$BATS_FILE_TMPDIR/seconds") s" >&3
}

@test "bench: the table has the columns and one row per server and scenario" {
	local table header m rows
	table=$(grep '^|' "$BATS_FILE_TMPDIR/stdout")
	header=$(head -n 1 <<<"$table")
	assert_equal "$header" "| server | scenario | requests/s | p50 (ms) | p99 (ms) | errors | processes/threads | memory (PSS MiB) |" "table header"
	assert_match "$(sed -n 2p <<<"$table")" '^\|(-*:?\|)+$' "separator line"
	rows=$(tail -n +3 <<<"$table")
	for m in $(built_servers); do
		assert_equal "$(grep -c "^| $m |" <<<"$rows")" "$SCENARIO_COUNT" "rows of $m"
	done
	# Every row: 8 cells; numbers where numbers belong.
	run awk -F'|' '{
		if (NF != 10) { print "cells: " NF - 2 ": " $0; exit 1 }
		if ($4 !~ /^ [0-9]+ $/ || $5 !~ /^ [0-9]+\.[0-9]+ $/ ||
		    $6 !~ /^ [0-9]+\.[0-9]+ $/ || $7 !~ /^ [0-9]+( \(.*\))? $/ ||
		    $8 !~ /^ [0-9]+\/[0-9]+ $/ || $9 !~ /^ [0-9]+\.[0-9] $/) {
			print "bad row: " $0; exit 1 } }' <<<"$rows"
	[ "$status" -eq 0 ] || fail "$output"
	# prefork's processes: the master and its 128 children.
	if built_servers | grep -qx prefork; then
		assert_match "$(grep -m 1 '^| prefork |' <<<"$rows")" '\| 129/129 \|' "prefork processes/threads"
	fi
}

@test "bench: the CSV has a header and rows of the same width" {
	local csv
	csv="$(out_dir)/bench.csv"
	assert_equal "$(head -n 1 "$csv" | cut -d, -f1-5)" "server,scenario,server_processes,server_threads,server_pss_mib" "CSV header"
	assert_equal "$(($(wc -l <"$csv") - 1))" "$(( $(built_servers | wc -l) * SCENARIO_COUNT ))" "CSV rows"
	run awk -F, 'NR == 1 { n = NF } NR > 1 && NF != n { print "line " NR ": " NF " fields, not " n; exit 1 }
		NR > 1 { for (i = 3; i <= NF; i++) if ($i !~ /^-?[0-9]+(\.[0-9]+)?$/) { print "line " NR " field " i ": " $i; exit 1 } }' "$csv"
	[ "$status" -eq 0 ] || fail "$output"
}

@test "bench: the SVG is one well-formed chart with one series per server" {
	local svg m rows
	svg="$(out_dir)/bench.svg"
	assert_equal "$(grep -o '<svg' "$svg" | wc -l)" 1 "<svg count"
	assert_equal "$(grep -o '</svg>' "$svg" | wc -l)" 1 "</svg> count"
	assert_match "$(head -n 1 "$svg")" '^<svg xmlns="http://www.w3.org/2000/svg"' "first line"
	assert_equal "$(tail -n 1 "$svg")" "</svg>" "last line"
	# Every element opened is closed: <g> pairs, self-closed or paired tags.
	assert_equal "$(grep -o '<g[ >]' "$svg" | wc -l)" "$(grep -o '</g>' "$svg" | wc -l)" "<g> balance"
	assert_equal "$(grep -o '<text[ >]' "$svg" | wc -l)" "$(grep -o '</text>' "$svg" | wc -l)" "<text> balance"
	assert_equal "$(grep -o '<title>' "$svg" | wc -l)" "$(grep -o '</title>' "$svg" | wc -l)" "<title> balance"
	assert_equal "$(grep -c 'class="series"' "$svg")" "$(built_servers | wc -l)" "series"
	for m in $(built_servers); do
		assert_equal "$(grep -c "class=\"series\" data-server=\"$m\"" "$svg")" 1 "series of $m"
	done
	rows=$(($(wc -l <"$(out_dir)/bench.csv") - 1))
	assert_equal "$(grep -c '<rect x=.*<title>' "$svg")" "$rows" "one bar per CSV row"
	if command -v xmllint >/dev/null; then
		run xmllint --noout "$svg"
		[ "$status" -eq 0 ] || fail "xmllint: $output"
	fi
}

@test "bench: the conditions are recorded with the numbers" {
	local md
	md=$(cat "$(out_dir)/bench.md")
	assert_match "$md" "- machine: .*, [0-9]+ cores, Linux " "machine line"
	assert_contains "$md" "- compiler: "
	assert_match "$md" "- placement: (server pinned|server and loadgen share)" "placement line"
	assert_contains "$md" "- kit prefork: StartServers 128"
	assert_contains "$md" "| server | scenario |"
}

@test "bench: no server is left running" {
	local left
	left=$(ps -e -o pid=,args= | grep '[k]it-bench\.' || true)
	[ -z "$left" ] || fail "still running: $left"
}
