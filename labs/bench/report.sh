# labs/bench/report.sh - what `make bench` prints and writes: the
# conditions, the Markdown table, the ratios to the peers' and the limit
# server's targets, the chart, and the optional parts. Sourced by
# bench.sh; the two tables are functions of the CSV alone, so that they can
# be checked (and redone) on any bench.csv.
#
# What it teaches: a number without its conditions cannot be compared with
# anything, and two numbers measured minutes apart on a busy machine barely
# can. Every result folder holds the raw CSV (one row a run, every column
# loadgen measured), a bench.md with the machine, the placement and each
# server's settings above the table, and an SVG chart drawn by the kit's
# plotter, labs/plot/svgplot (no plotting package needed). With several rounds the table shows medians,
# which one bad run cannot move; a ratio between two servers is taken inside
# each round, where both met the same noise, and only then summarised.

# shellcheck shell=bash

# The awk function the tables and the chart use: median(v, m).
REPORT_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
MEDIAN_AWK=$(cat "$REPORT_ROOT/labs/plot/median.awk")

# The table, from bench.csv: one row per server and scenario, in the order
# they ran; the median of the rounds in each cell, except errors, which are
# added up (an error in any round must show). Columns are found by name in
# the CSV's header. SCENARIOS: lines "id|options|path|description".
markdown_table() { # CSV SCENARIOS
	awk -F, -v scenfile="$2" "$MEDIAN_AWK"'
	BEGIN {
		while ((getline line < scenfile) > 0) {
			split(line, f, "|")
			desc[f[1]] = f[1] ": " f[4]
		}
		nkinds = split("connect read write timeout status reset protocol", kind, " ")
		nnum = split("req_per_s p50_ms p99_ms server_processes server_threads server_pss_mib", num, " ")
	}
	NR == 1 {
		for (i = 1; i <= NF; i++)
			col[$i] = i
		next
	}
	{
		key = $col["server"] SUBSEP $col["scenario"]
		if (!(key in runs)) {
			order[++nkeys] = key
			server[key] = $col["server"]; scenario[key] = $col["scenario"]
		}
		r = ++runs[key]
		for (i = 1; i <= nnum; i++)
			val[key, num[i], r] = $col[num[i]]
		errors[key] += $col["errors"]
		for (k = 1; k <= nkinds; k++)
			errkind[key, k] += $col["err_" kind[k]]
	}
	function med(key, name,    i, v) {
		for (i = 1; i <= runs[key]; i++)
			v[i] = val[key, name, i] + 0
		return median(v, runs[key])
	}
	END {
		print "| server | scenario | requests/s | p50 (ms) | p99 (ms) | errors | processes/threads | memory (PSS MiB) |"
		print "|---|---|---:|---:|---:|---|---:|---:|"
		for (n = 1; n <= nkeys; n++) {
			key = order[n]
			e = errors[key]
			if (e > 0) {
				detail = ""
				for (k = 1; k <= nkinds; k++)
					if (errkind[key, k] > 0)
						detail = detail (detail == "" ? "" : ", ") \
							 errkind[key, k] " " \
							 (kind[k] == "status" ? "non-2xx" : kind[k])
				e = e " (" detail ")"
			}
			s = scenario[key]
			printf "| %s | %s | %.0f | %.2f | %.2f | %s | %.0f/%.0f | %.1f |\n",
				server[key], (s in desc) ? desc[s] : s,
				med(key, "req_per_s"), med(key, "p50_ms"),
				med(key, "p99_ms"), e, med(key, "server_processes"),
				med(key, "server_threads"), med(key, "server_pss_mib")
		}
	}' "$1"
}

# The targets as ratios kit / peer, from bench.csv. Each ratio is
# taken inside one round (the two servers met the same noise), then the
# median over the rounds. Only pairs that were both measured appear; with
# none, one line says so. Every row ends in "met" or "missed".
ratio_table() { # CSV
	awk -F, "$MEDIAN_AWK"'
	NR == 1 {
		for (i = 1; i <= NF; i++)
			col[$i] = i
		next
	}
	{
		k = $col["run"] SUBSEP $col["server"] SUBSEP $col["scenario"]
		rps[k] = $col["req_per_s"] + 0
		p99[k] = $col["p99_ms"] + 0
		if ($col["run"] + 0 > rounds)
			rounds = $col["run"] + 0
		if (!($col["scenario"] in seen)) {
			seen[$col["scenario"]] = 1
			all = all (all == "" ? "" : " ") $col["scenario"]
		}
	}
	function verdict(ok) { return ok ? "met" : "missed" }
	# One row per scenario in SCENS measured on both KIT and PEER: req/s
	# must be >= WANT x the peer; with P99_TOO, p99 <= the peer.
	function header() {
		if (!rows++) {
			print "| kit vs peer | scenario | req/s ratio | target | p99 ratio | target |"
			print "|---|---|---:|---|---:|---|"
		}
	}
	# One row per scenario in SCENS measured on both KIT and PEER: req/s
	# must be >= WANT x the peer; with P99_TOO, p99 <= the peer.
	function pair(kit, peer, want, scens, p99_too,    n, list, i, c, run, a, b, m, mp, none, vr, vp, r, p) {
		n = split(scens, list, " ")
		for (i = 1; i <= n; i++) {
			c = list[i]; m = mp = none = 0
			delete vr; delete vp
			for (run = 1; run <= rounds; run++) {
				a = run SUBSEP kit SUBSEP c
				b = run SUBSEP peer SUBSEP c
				if (!(a in rps) || !(b in rps))
					continue
				# A peer that answered nothing cannot be divided by:
				# the kit wins that round if it answered anything.
				if (rps[b] > 0)
					vr[++m] = rps[a] / rps[b]
				else if (rps[a] > 0)
					vr[++m] = 1e9
				else
					none++
				if (p99[a] > 0 && p99[b] > 0)
					vp[++mp] = p99[a] / p99[b]
			}
			if (m == 0 && none == 0)
				continue
			header()
			printf "| %s vs %s | %s |", kit, peer, c
			if (m == 0) {
				print " - | neither answered | - | - |"
				continue
			}
			# Judged as shown (two decimals): a reader must never
			# see "1.00 | missed", and 0.5 % is noise here anyway.
			r = median(vr, m)
			r = r >= 1e9 ? "inf" : sprintf("%.2f", r)
			printf " %s | >= %.1f: %s |", r, want,
				verdict(r == "inf" || r + 0 >= want)
			if (mp == 0)
				printf " - | %s |\n", (p99_too ? "no p99 to compare" : "none")
			else if (p99_too) {
				p = sprintf("%.2f", median(vp, mp))
				printf " %s | <= 1.0: %s |\n", p, verdict(p + 0 <= 1)
			} else
				printf " %.2f | none |\n", median(vp, mp)
		}
	}
	END {
		pair("prefork", "httpd-prefork", 1.0, all, 1)
		pair("worker", "httpd-worker", 1.0, all, 1)
		pair("event", "httpd-event", 1.0, all, 1)
		pair("event", "nginx", 0.9, "ka-64 ka-256 1m-16", 0)
		pair("event", "limit", 0.6, "ka-1 ka-16 ka-64 ka-256 close-16 close-64", 0)
		if (!rows)
			print "No ratios: no kit server was measured beside its peer " \
			      "(make bench PEERS=1 adds Apache httpd and nginx where " \
			      "they are installed, LIMIT=1 the limit server)."
	}' "$1"
}

# The ratio section: what the ratios are, then the table (or the line
# saying there are none).
ratio_section() { # CSV
	local table

	table=$(ratio_table "$1")
	echo "## Ratios: the kit against Apache httpd, nginx and the limit server"
	echo
	if [[ $table == "No ratios"* ]]; then
		echo "$table"
		return
	fi
	if [ "$RUNS" -gt 1 ]; then
		echo "Kit / peer on the same files; each ratio is taken inside one round"
		echo "(both servers under the same noise), then the median of the $RUNS rounds'"
		echo "ratios is shown."
	else
		echo "Kit / peer on the same files, in this one round (BENCH_RUNS=3 shows"
		echo "the median of three rounds' ratios)."
	fi
	echo "Targets: each kit MPM at least as fast as Apache httpd's same MPM in"
	echo "every scenario (req/s ratio >= 1.0, p99 ratio <= 1.0); event at least"
	echo "0.9 x nginx at ka-64, ka-256 and 1m-16 (req/s), and at least 0.6 x the"
	echo "limit server with 1 KiB (req/s)."
	echo
	echo "$table"
}

conditions() { # HOST
	local cc_version s

	cc_version=$(${CC:-cc} --version 2>/dev/null | head -n 1)
	echo "- machine: $1, $(cpu_model), $CORES cores, Linux $(uname -r)"
	echo "- compiler: ${cc_version:-unknown} (make's CC=${CC:-cc}), -O2"
	echo "- placement: $PLACEMENT"
	echo "- each run: GET $SMALL (1024 bytes; 1m-16: $LARGE, 1 MiB) from a docroot made for the run and served by every server, $WARMUP s warm-up then $SECONDS_EACH s measured, loadgen timeout 2 s; processes, threads and PSS sampled halfway"
	if [ "$RUNS" -gt 1 ]; then
		echo "- rounds: $RUNS, each of every server in turn; the table shows the median of $RUNS runs (errors: their sum)"
	else
		echo "- rounds: 1 (BENCH_RUNS=1); the table shows that one run"
	fi
	echo "- every server: KeepAlive On, KeepAliveTimeout 5, MaxKeepAliveRequests 100, no access log, $WORKERS request workers"
	echo "- kit prefork: $PREFORK_SET"
	echo "- kit worker and event: $THREADED_SET"
	for s in "${PEER_SETTINGS[@]}"; do
		echo "- $s"
	done
}

# How the targets fared, in one line for the end of the progress.
ratio_summary() { # RATIO_TABLE
	local met missed

	met=$(grep -o ': met |' <<<"$1" | wc -l)
	missed=$(grep -o ': missed |' <<<"$1" | wc -l)
	if [ $((met + missed)) -eq 0 ]; then
		say "no ratios: no kit server was measured beside its peer"
	else
		say "ratio targets: $met met, $missed missed (ratios in bench.md)"
	fi
}

# medians_csv CSV: server,scenario,req_per_s with the median of the rounds,
# in the order they ran: what the chart shows.
medians_csv() {
	awk -F, "$MEDIAN_AWK"'
	NR == 1 { for (i = 1; i <= NF; i++) col[$i] = i; next }
	{
		key = $col["server"] "," $col["scenario"]
		if (!(key in n))
			order[++keys] = key
		v[key, ++n[key]] = $col["req_per_s"] + 0
	}
	END {
		print "server,scenario,req_per_s"
		for (k = 1; k <= keys; k++) {
			for (i = 1; i <= n[order[k]]; i++)
				w[i] = v[order[k], i]
			printf "%s,%.0f\n", order[k], median(w, n[order[k]])
		}
	}' "$1"
}

# The optional parts (extras.sh), where they ran.
extras_section() {
	if [ -s "$OUT/wrk.csv" ]; then
		echo
		echo "## loadgen beside wrk (64 keep-alive clients, 1 KiB, req/s)"
		echo
		echo "If wrk drove the same server much faster, the table above would"
		echo "measure loadgen, not the servers."
		echo
		awk -F, "$MEDIAN_AWK"'NR > 1 { k = $1 " with " $2; if (!(k in n)) o[++m] = k
			v[k, ++n[k]] = $3; all[k] = all[k] " " $3 }
		END { for (i = 1; i <= m; i++) { for (j = 1; j <= n[o[i]]; j++) w[j] = v[o[i], j]
			printf "- %s: median %.0f (runs:%s)\n", o[i], median(w, n[o[i]]), all[o[i]] } }' "$OUT/wrk.csv"
	fi
	if [ -s "$OUT/hold.csv" ]; then
		echo
		echo "## event holding $HOLD idle keep-alive connections (16 clients working)"
		echo
		awk -F, "$MEDIAN_AWK"'NR == 1 { next }
		$1 == "without-idle" { a[++na] = $2; if (pss0 == "") pss0 = $4 }
		$1 == "idle-held" { pss1 = $4; held = $5 }
		$1 == "with-idle" { b[++nb] = $2 }
		END {
			if (!na || !nb || !held) { print "The idle connections were not all held; see hold.csv."; exit }
			x = median(b, nb) / median(a, na); per = (pss1 - pss0) / held
			printf "- req/s with them / without: x%.2f (target >= 0.90: %s)\n", x, (x >= 0.9) ? "met" : "missed"
			printf "- PSS per idle connection: %.2f KiB (%d held; target <= 4 KiB: %s)\n", per, held, (per <= 4) ? "met" : "missed"
		}' "$OUT/hold.csv"
	fi
}

write_report() { # HOST
	local host=$1 report title sub runs_said n

	[ -s "$CSV" ] || return 0
	printf '%s\n' "${SCENARIOS[@]}" >"$RUN_DIR/scenarios"
	runs_said="one run"
	[ "$RUNS" -eq 1 ] || runs_said="median of $RUNS runs"
	title="Requests per second ($host, $CORES cores, $SECONDS_EACH s a run, $runs_said)"
	sub="higher is better; 1 KiB file (1m-16: 1 MiB); $PLACEMENT_SHORT"
	medians_csv "$CSV" >"$RUN_DIR/medians.csv"
	"$REPORT_ROOT/labs/plot/svgplot" -i "$RUN_DIR/medians.csv" \
		-o "$OUT/bench.svg" -t bar -x scenario -y req_per_s -s server \
		-T "$title" -N "$sub" -X scenario -Y requests/s ||
		say "the chart could not be drawn"
	# What is printed is what bench.md holds, under its title line.
	report=$(
		conditions "$host"
		echo
		echo "Each row: $runs_said of that server and scenario."
		echo
		markdown_table "$CSV" "$RUN_DIR/scenarios"
		if [ "${#NOTES[@]}" -gt 0 ]; then
			echo
			for n in "${NOTES[@]}"; do echo "- $n"; done
		fi
		echo
		ratio_section "$CSV"
		extras_section
	)
	{
		echo "# make bench: $host, $(date '+%Y-%m-%d %H:%M:%S %Z')"
		echo
		echo "$report"
		echo
		echo "Chart: bench.svg. Every number loadgen measured, every round: bench.csv. Server error logs: logs/."
	} >"$OUT/bench.md"
	echo
	echo "$report"
	echo
	echo "Results in $OUT:"
	echo "  bench.md (conditions, table, ratios), bench.csv (every column, every round), bench.svg (chart)"
	ratio_summary "$(ratio_table "$CSV")"
}
