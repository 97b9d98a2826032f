# labs/bench/report.sh - what `make bench` prints and writes: the
# conditions, the Markdown table, the chart. Sourced by bench.sh.
#
# What it teaches: a number without its conditions cannot be compared with
# anything. Every result folder holds the raw CSV (one row a run, every
# column loadgen measured), a bench.md with the machine, the placement and
# each server's settings above the table, and an SVG chart drawn by
# chart.awk (no plotting package needed).

# The table, from bench.csv: columns are found by name in its header.
markdown_table() { # CSV DESCRIPTIONS
	awk -F, -v descfile="$2" '
	BEGIN {
		while ((getline line < descfile) > 0) {
			i = index(line, "|")
			desc[substr(line, 1, i - 1)] = substr(line, i + 1)
		}
		nkinds = split("connect read write timeout status reset protocol", kind, " ")
	}
	NR == 1 {
		for (i = 1; i <= NF; i++)
			col[$i] = i
		print "| server | scenario | requests/s | p50 (ms) | p99 (ms) | errors | processes/threads | memory (PSS MiB) |"
		print "|---|---|---:|---:|---:|---|---:|---:|"
		next
	}
	{
		errors = $col["errors"] + 0
		if (errors > 0) {
			detail = ""
			for (k = 1; k <= nkinds; k++) {
				v = $col["err_" kind[k]] + 0
				if (v > 0)
					detail = detail (detail == "" ? "" : ", ") v " " \
						 (kind[k] == "status" ? "non-2xx" : kind[k])
			}
			errors = errors " (" detail ")"
		}
		name = $col["scenario"]
		printf "| %s | %s | %.0f | %.2f | %.2f | %s | %d/%d | %.1f |\n",
			$col["server"], (name in desc) ? desc[name] : name,
			$col["req_per_s"], $col["p50_ms"], $col["p99_ms"], errors,
			$col["server_processes"], $col["server_threads"], $col["server_pss_mib"]
	}' "$1"
}

conditions() { # HOST
	local cc_version

	cc_version=$(${CC:-cc} --version 2>/dev/null | head -n 1)
	echo "- machine: $1, $(cpu_model), $CORES cores, Linux $(uname -r)"
	echo "- compiler: ${cc_version:-unknown} (make's CC=${CC:-cc}), -O2"
	echo "- placement: $PLACEMENT; loadgen runs $CLIENT_THREADS threads"
	echo "- each run: GET $TARGET_PATH (1024 bytes, common/htdocs), $WARMUP s warm-up then $SECONDS_EACH s measured, loadgen timeout 2 s; processes, threads and PSS sampled halfway"
	echo "- every server: KeepAlive On, KeepAliveTimeout 5, MaxKeepAliveRequests 100, no access log, $WORKERS request workers"
	echo "- kit prefork: $PREFORK_SET"
	echo "- kit worker and event: $THREADED_SET"
	local s
	for s in "${PEER_SETTINGS[@]}"; do
		echo "- $s"
	done
}

write_report() { # HOST
	local host=$1 table notes="" n title

	[ -s "$CSV" ] || return 0
	table=$(markdown_table "$CSV" "$RUN_DIR/descriptions")
	for n in "${NOTES[@]}"; do
		notes+="- $n"$'\n'
	done
	title="Requests per second, GET 1 KiB file ($host, $CORES cores, $SECONDS_EACH s a run)"
	awk -F, -v title="$title" -v subtitle="higher is better; $PLACEMENT" \
		-v value=req_per_s -v unit="requests/s" \
		-f "$HERE/chart.awk" "$CSV" >"$OUT/bench.svg"
	{
		echo "# make bench: $host, $(date '+%Y-%m-%d %H:%M:%S %Z')"
		echo
		conditions "$host"
		echo
		echo "$table"
		if [ -n "$notes" ]; then
			echo
			printf '%s' "$notes"
		fi
		echo
		echo "Chart: bench.svg. Every number loadgen measured: bench.csv. Server error logs: logs/."
	} >"$OUT/bench.md"
	echo
	conditions "$host"
	echo
	echo "$table"
	[ -z "$notes" ] || { echo; printf '%s' "$notes"; }
	echo
	echo "Results in $OUT:"
	echo "  bench.md (conditions and table), bench.csv (every column), bench.svg (chart)"
}
