#!/bin/sh
# slides/tools/figures.sh - the benchmark figures the decks embed, from the
# newest `make bench` run, or from the committed example, or neither.
#
# What it teaches: a figure is only as honest as its source. This script
# never makes a number up: it copies the chart labs/bench drew and turns
# the table of the run's bench.md into slides, each saying on which machine
# and when it was measured (the "- machine:" line the bench recorded).
# With no run at all, the slide says so and tells how to make one.
#
#   figures.sh ROOT OUTDIR     writes OUTDIR/bench.md (+ OUTDIR/bench.svg)
#
# Which run: the newest results/*/ (by the time of its bench.md) holding
# bench.md, bench.csv and bench.svg; else slides/figures/example/ (a real
# run, committed); else none. SLIDES_RESULTS=DIR picks a run folder.
set -eu

root=$1
out=$2
mkdir -p "$out"
rm -f "$out/bench.md" "$out/bench.svg"

complete_run() { # DIR: true if it holds the three files of a bench run
	[ -s "$1/bench.md" ] && [ -s "$1/bench.csv" ] && [ -s "$1/bench.svg" ]
}

source_dir=""
label=""
if [ -n "${SLIDES_RESULTS:-}" ]; then
	complete_run "$SLIDES_RESULTS" || {
		echo "figures.sh: SLIDES_RESULTS=$SLIDES_RESULTS has no bench.md," \
			"bench.csv and bench.svg" >&2
		exit 1
	}
	source_dir=$SLIDES_RESULTS
	label="a run chosen with SLIDES_RESULTS"
else
	# The newest complete run (test -nt: newer modification time).
	for md in "$root"/results/*/bench.md; do
		dir=$(dirname "$md")
		complete_run "$dir" || continue
		if [ -z "$source_dir" ] || [ "$md" -nt "$source_dir/bench.md" ]
		then
			source_dir=$dir
			label="the newest run of make bench on this machine"
		fi
	done
	if [ -z "$source_dir" ] &&
	   complete_run "$root/slides/figures/example"; then
		source_dir=$root/slides/figures/example
		label="the example committed with the kit: read its README.md, then run make bench for yours"
	fi
fi

if [ -z "$source_dir" ]; then
	cat >"$out/bench.md" <<'EOF'
## This machine: no benchmark run yet

No benchmark run yet: run `make bench`, then `make slides`.

- `make bench` writes `results/HOST-DATE/`: `bench.md` (the conditions
  and the table), `bench.csv` (every number) and `bench.svg` (the chart)
- `make slides` then puts its chart and table here, with the machine
  they were measured on

Note: The kit never ships numbers it did not measure. Run the bench on the
lecture machine the day before, or use the example committed in
slides/figures/example/ when there is one.
EOF
	echo "figures: no benchmark run yet (the slide says: run make bench)"
	exit 0
fi

rel=${source_dir#"$root"/}
cp "$source_dir/bench.svg" "$out/bench.svg"

# bench.md: "# make bench: HOST, DATE", "- machine: ..." and the other
# conditions, then the table "| server | scenario | requests/s | ...".
awk -v rel="$rel" -v label="$label" '
function trim(s) { sub(/^[ \t]+/, "", s); sub(/[ \t]+$/, "", s); return s }
function cells(line, arr,    n, k) {
	sub(/^\|/, "", line); sub(/\|[ \t]*$/, "", line)
	n = split(line, arr, "|")
	for (k = 1; k <= n; k++) arr[k] = trim(arr[k])
	return n
}
NR == 1 && /^# / { when = $0; sub(/^# make bench: [^,]*, */, "", when) }
/^- machine: / { machine = substr($0, 12) }
/^- / && !intable { ncond++; cond[ncond] = $0 }
/^\|/ {
	intable = 1
	if (!header) {
		header = 1
		n = cells($0, h)
		for (k = 1; k <= n; k++) col[h[k]] = k
		next
	}
	if ($0 ~ /^\|[-:| ]+$/) next
	cells($0, c)
	s = c[col["server"]]; sc = c[col["scenario"]]
	if (!(s in seen_s)) { seen_s[s] = 1; ns++; server[ns] = s }
	if (!(sc in seen_sc)) { seen_sc[sc] = 1; nsc++; scen[nsc] = sc }
	rps[s, sc] = c[col["requests/s"]]
	p99[s, sc] = c[col["p99 (ms)"]]
	err[s, sc] = c[col["errors"]]
	pt[s, sc] = c[col["processes/threads"]]
	mem[s, sc] = c[col["memory (PSS MiB)"]]
	if (err[s, sc] != "0") errors = 1
	next
}
{ if (intable && $0 !~ /^\|/) intable = 0 }
function caption() {
	return "Measured on " machine ", " when " (" rel "/: " label ")."
}
function pivot(title, what,    i, j, line, v) {
	print "## " title
	print ""
	line = "| scenario |"
	for (i = 1; i <= ns; i++) line = line " " server[i] " |"
	print line
	line = "|---|"
	for (i = 1; i <= ns; i++) line = line "--:|"
	print line
	for (j = 1; j <= nsc; j++) {
		line = "| " scen[j] " |"
		for (i = 1; i <= ns; i++) {
			if (what == "rps") {
				v = rps[server[i], scen[j]] " (" \
				    p99[server[i], scen[j]] " ms)"
				if (err[server[i], scen[j]] != "0")
					v = v " †"
			} else
				v = pt[server[i], scen[j]] ", " \
				    mem[server[i], scen[j]] " MiB"
			if (!((server[i], scen[j]) in rps)) v = "-"
			line = line " " v " |"
		}
		print line
	}
	print ""
	if (what == "rps" && errors)
		print "† this run had errors: see the errors slide.\n"
	print caption()
}
END {
	if (machine == "" || !("requests/s" in col) || !("p99 (ms)" in col)) {
		print "figures.sh: " rel "/bench.md: no machine line or no " \
			"table with requests/s and p99 (ms)" > "/dev/stderr"
		exit 1
	}
	print "## Measured: requests per second"
	print ""
	print "![Requests per second of each server in each scenario](bench.svg \"Measured on " machine ", " when ". Source: " rel "/bench.svg\")"
	print ""
	print "---"
	print ""
	pivot("Measured: requests/s (p99 latency)", "rps")
	print ""
	print "Note: Read down a column for one server under growing load, across"
	print "a row for the three models under the same load. The last row is the"
	print "lesson of the event MPM: idle keep-alive connections held open while"
	print "clients work. A † marks a run with errors: a fast error is no success."
	print ""
	print "---"
	print ""
	pivot("Measured: processes/threads and memory (PSS)", "mem")
	if (errors) {
		print ""
		print "---"
		print ""
		print "## Measured: errors"
		print ""
		print "| server | scenario | errors |"
		print "|---|---|---|"
		for (i = 1; i <= ns; i++)
			for (j = 1; j <= nsc; j++)
				if (((server[i], scen[j]) in err) &&
				    err[server[i], scen[j]] != "0")
					print "| " server[i] " | " scen[j] " | " \
						err[server[i], scen[j]] " |"
		print ""
		print caption()
		print ""
		print "Note: Timeouts where idle keep-alive connections outnumber the"
		print "workers are the KeepAliveTimeout trap at scale (the worker deck):"
		print "every worker waits for an idle client. Any other error: read"
		print "bench.md and the server logs in logs/, beside it."
	}
	print ""
	print "---"
	print ""
	print "## Measured: the conditions"
	print ""
	for (i = 1; i <= ncond; i++)
		if (cond[i] ~ /^- (machine|placement|each run|every server):/)
			print cond[i]
	print ""
	print "Source: `" rel "/bench.md`, " label "."
}' "$source_dir/bench.md" >"$out/bench.md"
echo "figures: from $rel ($label)"
