#!/usr/bin/env bash
# labs/perf/report.sh - the tables of a compare.sh run: medians per server
# and scenario, then issue 9's ratios, each taken inside one run and then
# the median over the runs. Usage: labs/perf/report.sh RESULTS_DIR
#
# What it teaches: compare inside a run, summarise across runs. A ratio
# of two medians taken minutes apart mixes in whatever else the machine
# was doing; a median of same-run ratios does not.
set -u
DIR=${1:?usage: report.sh RESULTS_DIR}

echo "== req/s and p99 (ms), median of the runs"
awk -F, 'NR > 1 {
	k = $2 SUBSEP $3; n[k]++; rps[k, n[k]] = $4; p99[k, n[k]] = $5
	if (!($2 in seen)) { seen[$2] = 1; servers[++ns] = $2 }
	if (!($3 in sseen)) { sseen[$3] = 1; scen[++nc] = $3 }
}
function median(a, k, m,   i, j, t, v) {
	for (i = 1; i <= m; i++) v[i] = a[k, i] + 0
	for (i = 2; i <= m; i++) for (j = i; j > 1 && v[j-1] > v[j]; j--) { t = v[j]; v[j] = v[j-1]; v[j-1] = t }
	return m % 2 ? v[(m + 1) / 2] : (v[m / 2] + v[m / 2 + 1]) / 2
}
END {
	printf "%-14s", "server"
	for (c = 1; c <= nc; c++) printf " %17s", scen[c]
	print ""
	for (s = 1; s <= ns; s++) {
		printf "%-14s", servers[s]
		for (c = 1; c <= nc; c++) {
			k = servers[s] SUBSEP scen[c]
			if (n[k]) printf " %9.0f %7.2f", median(rps, k, n[k]), median(p99, k, n[k])
			else printf " %17s", "-"
		}
		print ""
	}
}' "$DIR/raw.csv"

echo
echo "== ratios (kit / reference, same run; median over runs): req/s ratio >= target is met; p99 ratio <= 1 is met"
awk -F, 'NR > 1 { r[$1, $2, $3] = $4; p[$1, $2, $3] = $5; runs[$1] = 1
	if (!($3 in sseen)) { sseen[$3] = 1; scen[++nc] = $3 } }
function med(v, m,   i, j, t) {
	for (i = 2; i <= m; i++) for (j = i; j > 1 && v[j-1] > v[j]; j--) { t = v[j]; v[j] = v[j-1]; v[j-1] = t }
	return m % 2 ? v[(m + 1) / 2] : (v[m / 2] + v[m / 2 + 1]) / 2
}
function pair(a, b, target, scens,   c, i, m, run, vr, vp, list, nl, want) {
	nl = split(scens, list, " ")
	for (i = 1; i <= nl; i++) {
		c = list[i]; m = 0
		for (run in runs)
			if (((run, a, c) in r) && ((run, b, c) in r) && r[run, b, c] > 0) {
				m++; vr[m] = r[run, a, c] / r[run, b, c]
				vp[m] = p[run, b, c] > 0 ? p[run, a, c] / p[run, b, c] : 0
			}
		if (!m) continue
		want = med(vr, m) >= target ? "met" : "MISSED"
		printf "%-7s vs %-13s %-9s req/s x%5.2f (target >= %.1f: %s)", a, b, c, med(vr, m), target, want
		if (target == 1) printf "   p99 x%5.2f (%s)", med(vp, m), med(vp, m) <= 1 ? "met" : "MISSED"
		print ""
	}
}
END {
	all = "ka-1 ka-16 ka-64 ka-256 close-16 close-64"
	pair("prefork", "httpd-prefork", 1, all)
	pair("worker", "httpd-worker", 1, all)
	pair("event", "httpd-event", 1, all)
	pair("event", "nginx", 0.9, "ka-64 ka-256 1m-16")
	pair("event", "limit", 0.6, "ka-1 ka-16 ka-64 ka-256 close-16 close-64")
}' "$DIR/raw.csv"

echo
echo "== memory at rest (PSS of the whole process tree, median of the runs)"
awk -F, 'NR > 1 { n[$2]++; v[$2, n[$2]] = $5; pr[$2] = $3; th[$2] = $4 }
END { for (s in n) { m = n[s]; for (i = 1; i <= m; i++) a[i] = v[s, i]
	for (i = 2; i <= m; i++) for (j = i; j > 1 && a[j-1] > a[j]; j--) { t = a[j]; a[j] = a[j-1]; a[j-1] = t }
	printf "%-14s %4d processes %5d threads %8.1f MiB\n", s, pr[s], th[s], a[int((m + 1) / 2)] / 1024 } }' "$DIR/memory.csv" | sort

if [ -s "$DIR/wrk.txt" ]; then
	echo
	echo "== loadgen and wrk on the same server (keep-alive, 64 connections, req/s)"
	sort "$DIR/wrk.txt" | awk '{ k = $1 " " $2; s[k] = s[k] " " $3 } END { for (k in s) print k ":" s[k] }' | sort
fi

if [ -s "$DIR/idle.csv" ]; then
	echo
	echo "== 03-event with idle keep-alive connections (16 active clients)"
	awk -F, 'NR > 1 { print }' "$DIR/idle.csv" | column -t -s,
	awk -F, '$1 == "none-idle" { a[++na] = $2; pss0 = pss0 ? pss0 : $4 }
		$1 == "idle-held" { pss1 = $4; held = $5 }
		$1 == "with-idle" { b[++nb] = $2 }
	function med(v, m,   i, j, t) { for (i = 2; i <= m; i++) for (j = i; j > 1 && v[j-1] > v[j]; j--) { t = v[j]; v[j] = v[j-1]; v[j-1] = t }
		return v[int((m + 1) / 2)] }
	END { if (!na || !nb || !held) exit
		x = med(b, nb) / med(a, na); per = (pss1 - pss0) / held
		printf "throughput with idle / without: x%.2f (target >= 0.90: %s)\n", x, (x >= 0.9) ? "met" : "MISSED"
		printf "PSS per idle connection: %.2f KiB (%d held; target <= 4 KiB: %s)\n", per, held, (per <= 4) ? "met" : "MISSED" }' "$DIR/idle.csv"
fi
