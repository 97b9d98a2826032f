#!/usr/bin/env bash
# Lab 3 - scaling over cores: throughput of a static file and of CPU work
# (/lab/spin) as the server is given k = 1, 2, 4, 8 ... cores with taskset,
# beside the ideal line (k times one core's throughput), with the CPU the
# server and the client really used.
#
# On N >= 4 cores the client (loadgen, one thread per core) has the first
# half of the cores to itself and the server's k cores are taken from the
# other half (labs/plan.sh). On 2 cores the client has CPU 0 and the
# server CPU 1, then CPUs 0-1 (k = 2 shares CPU 0 with the client, and
# the CSV says so: client_shares = 1). Connections: 4 per server core, at
# least 8. During each measurement the script reads the CPU ticks of the
# server's processes and of the loadgen process from /proc, so it can say
# how many cores each side kept busy.
#
#   ./run.sh            4 s per point after 1 s of warm-up
#   QUICK=1 ./run.sh    1 s per point after 0.5 s
#   PLAN=1 CORES=16 ./run.sh   the placement and points on 16 cores
#   STATIC=/files/64k.txt SPIN_MS=5 CONNS=8 ./run.sh
#
# Budget: 240 s, QUICK=1 120 s (up to 64 cores; 75 s and 35 s on 2).
#
# Writes results/scaling.csv, results/static.svg, results/spin.svg (with
# the ideal line), results/client.svg (the client's CPU use) and
# results/bends.txt (where each curve leaves the ideal, and the likely
# reason).
set -u
. "$(dirname "$0")/../common.sh"
# Placement is what this lab is about: PIN=0 does not apply.
PIN=1
plan_init

MPMS="${MPMS:-prefork worker event}"
STATIC="${STATIC:-/files/1k.txt}"
SPIN_MS="${SPIN_MS:-5}"
if [ "$QUICK" = 1 ]; then
	SECS="${SECS:-1}" WARM=0.5s
else
	SECS="${SECS:-4}" WARM=1s
fi
STEPS="$(plan_core_steps)"
n_points=$(($(plan_count "$MPMS") * $(plan_count "$STEPS")))
# Connections for K server cores.
conns_for() { echo "${CONNS:-$(plan_conns 4 8 "$1")}"; }
for k in $STEPS; do
	cpus="$(plan_step_cpus "$k")"
	plan_load "static, $k core(s) on CPU $cpus" "$(conns_for "$k")" \
		static "$k"
	plan_load "spin, $k core(s) on CPU $cpus" "$(conns_for "$k")" cpu "$k"
done
plan_point "$MPMS x server cores $STEPS x (static, spin)" \
	$((n_points * 2)) "$(awk -v s="$SECS" -v w="${WARM%s}" \
	'BEGIN { print s + w + 0.4 }')"
plan_point "server starts" "$n_points" 1.2
[ "$PLAN_CORES" -lt 4 ] && plan_note "the last point (k = $PLAN_CORES)" \
	"shares CPU $CLIENT_CPUS with the client; a clean curve needs 4 cores or more"
plan_done

lab_init 03-scaling-over-cores
need_servers $MPMS
command -v taskset >/dev/null || die "this lab needs taskset (util-linux)"
if [ "$PLAN_CORES" -lt 4 ]; then
	WHERE="server on the last k CPUs (k = $PLAN_CORES shares CPU $CLIENT_CPUS)"
else
	WHERE="server on the first k of CPUs $SERVER_CPUS"
fi
say "client on CPU $CLIENT_CPUS ($LOADGEN_THREADS loadgen thread(s));" \
    "$WHERE, k = $STEPS"

CSV="$RESULTS/scaling.csv"
csv_init "$CSV" mpm target server_cores server_cpus client_cpus \
	client_shares conns req_per_s p99_ms errors server_cores_busy \
	client_cores_busy client_busy_pct server_cpu_us_per_req
CLIENT_CSV="$RESULTS/client.csv"
csv_init "$CLIENT_CSV" series server_cores client_busy_pct
HEADER="$(loadgen_header)"
HZ="$(getconf CLK_TCK)"

# CPU ticks (user + system, all threads) of one process.
process_ticks() {
	awk '{ sub(/^.*\) /, ""); print $12 + $13 }' "/proc/$1/stat" \
		2>/dev/null || echo 0
}

now_ns() { date +%s%N; }

# Cores kept busy: TICKS over NS nanoseconds.
cores_busy() {
	awk -v t="$1" -v ns="$2" -v hz="$HZ" \
		'BEGIN { printf "%.2f", (ns > 0 ? t / hz / (ns / 1e9) : 0) }'
}

# One measurement. loadgen runs in the background so that the script can
# read its CPU ticks and the server's at the start and near the end of
# the measured window (after the warm-up, before loadgen exits).
run_point() { # MPM LABEL PATH K CPUS CONNS
	local mpm="$1" label="$2" path="$3" k="$4" cpus="$5" conns="$6"
	local out="$RESULTS/logs/point.$$" t0 s0 c0 t1 s1 c1 row rps shares=0
	local srv cli pct per fmt series

	client_start "$LOADGEN" --csv -q -t "$LOADGEN_THREADS" -c "$conns" \
		-w "$WARM" -d "${SECS}s" "http://127.0.0.1:$SRV_PORT$path" \
		>"$out"
	sleep "${WARM%s}"
	t0="$(now_ns)" s0="$(server_cpu_ticks "$SRV_PID")"
	c0="$(process_ticks "$CLIENT_PID")"
	sleep "$(awk -v s="$SECS" 'BEGIN { print s - 0.15 }')"
	c1="$(process_ticks "$CLIENT_PID")"
	s1="$(server_cpu_ticks "$SRV_PID")" t1="$(now_ns)"
	wait "$CLIENT_PID"
	client_stop "$CLIENT_PID"
	row="$(sed -n 2p "$out")"
	rm -f "$out"
	[ -n "$row" ] || die "loadgen printed nothing for $mpm $label k=$k"
	[ "$PLAN_CORES" -lt 4 ] && [ "$k" = "$PLAN_CORES" ] && shares=1
	rps="$(loadgen_field "$HEADER" "$row" req_per_s)"
	srv="$(cores_busy $((s1 - s0)) $((t1 - t0)))"
	cli="$(cores_busy $((c1 - c0)) $((t1 - t0)))"
	pct="$(awk -v c="$cli" -v n="$CLIENT_CORES" \
		'BEGIN { printf "%.0f", 100 * c / n }')"
	per="$(awk -v c="$srv" -v r="$rps" \
		'BEGIN { if (r > 0) printf "%.0f", c * 1e6 / r }')"
	csv_row "$CSV" "$mpm" "$label" "$k" "$cpus" "$CLIENT_CPUS" "$shares" \
		"$conns" "$rps" "$(loadgen_field "$HEADER" "$row" p99_ms)" \
		"$(loadgen_field "$HEADER" "$row" errors)" "$srv" "$cli" \
		"$pct" "$per"
	series="$mpm"
	[ "$label" = spin ] && series="$mpm (spin)"
	csv_row "$CLIENT_CSV" "$series" "$k" "$pct"
	fmt='%-7s %-6s k=%-2s CPU %-5s %4s conns %9s req/s; server %5s'
	fmt+=' cores busy, client %5s (%3s%% of its %s)'
	say "$(printf "$fmt" "$mpm" "$label" "$k" "$cpus" "$conns" "$rps" \
		"$srv" "$cli" "$pct" "$CLIENT_CORES")"
}

for mpm in $MPMS; do
	for k in $STEPS; do
		cpus="$(plan_step_cpus "$k")"
		conns="$(conns_for "$k")"
		# Enough workers for the connections from the start: prefork
		# children, or threaded children of 25 threads.
		if [ "$mpm" = prefork ]; then
			extra=("StartServers $((conns + 2))" \
				'MinSpareServers 10' \
				"MaxSpareServers $((conns + 12))")
		else
			extra=("StartServers $((conns / 25 + 2))")
		fi
		SRV_CPUS="$cpus" server_start "$mpm" "${extra[@]}"
		sleep 0.5
		run_point "$mpm" static "$STATIC" "$k" "$cpus" "$conns"
		run_point "$mpm" spin "/lab/spin?ms=$SPIN_MS" "$k" "$cpus" \
			"$conns"
		server_stop "$SRV_PID"
	done
done

# The ideal line of each plot: k times the best one-core throughput, a
# reference series of its own in the same CSV.
IDEAL="ideal (k x best 1-core)"
for target in static spin; do
	awk -F, -v t="$target" -v name="$IDEAL" '
		NR > 1 && $2 == t && $3 == 1 && $8 > best { best = $8 }
		NR > 1 && $2 == t { k[$3] = 1 }
		END { for (c in k) printf "%s,%s,%s,,,,,%.0f,,,,,,\n",
			name, t, c, best * c }' "$CSV" | sort -t, -k3,3n >>"$CSV.ideal"
done
cat "$CSV.ideal" >>"$CSV"
rm -f "$CSV.ideal"

# Where each curve falls below 80 % of its own k x one-core line, and what
# the CPU readings say about why.
awk -F, '
	NR == 1 || $1 ~ /^ideal/ { next }
	$3 == 1 { one[$1 "," $2] = $8; per1[$1 "," $2] = $14 }
	{ key = $1 "," $2
	  if (done[key] || !(key in one) || one[key] <= 0) next
	  eff = $8 / ($3 * one[key])
	  if (eff >= 0.8) next
	  done[key] = 1
	  why = "the server cores are busy and each request costs more CPU" \
		" (" per1[key] " -> " $14 " us): the kernel and shared data"
	  if ($13 >= 90) why = "the client is saturated (" $13 "% busy)"
	  else if ($6 == 1) why = "the server shares a core with the client"
	  else if ($11 < 0.85 * $3) why = "the server keeps only " $11 \
		" of its " $3 " cores busy: a serial part (Amdahl), too" \
		" few connections, or other programs took the CPU"
	  printf "%s %s: %.0f%% of k x its own 1-core rate at k=%s: %s\n", $1, $2,
		100 * eff, $3, why }
' "$CSV" >"$RESULTS/bends.txt"
[ -s "$RESULTS/bends.txt" ] ||
	echo "every curve stays within 80% of its ideal line" \
		>"$RESULTS/bends.txt"
# A server that could not fill its one core measured the machine's load.
awk -F, '$3 == 1 && $11 != "" && $11 < 0.8 && $13 < 90 {
	printf "caution: %s %s got only %s of its 1 core at k=1: other" \
		" programs compete for the CPU; run it again on a quiet" \
		" machine\n", $1, $2, $11 }' "$CSV" >>"$RESULTS/bends.txt"
while read -r line; do say "$line"; done <"$RESULTS/bends.txt"

note="$PLAN_CORES cores; client on CPU $CLIENT_CPUS ($LOADGEN_THREADS"
note+=" loadgen threads), $WHERE; 4 connections per server core (8 at least)"
plot -N "$note" -r "$IDEAL" -i "$CSV" -o "$RESULTS/static.svg" \
	-x server_cores -y req_per_s -s mpm -w target=static \
	-T "Static file $STATIC: throughput against the server's cores" \
	-X "cores given to the server (taskset)" -Y "requests per second"
plot -N "$note" -r "$IDEAL" -i "$CSV" -o "$RESULTS/spin.svg" \
	-x server_cores -y req_per_s -s mpm -w target=spin \
	-T "CPU-bound /lab/spin?ms=$SPIN_MS: throughput against cores" \
	-X "cores given to the server (taskset)" -Y "requests per second"
plot -N "$note" -i "$CLIENT_CSV" -o "$RESULTS/client.svg" \
	-x server_cores -y client_busy_pct -s series \
	-T "The client's own CPU use (solid: static file; dashed: spin)" \
	-X "cores given to the server (taskset)" \
	-Y "% of the client's $CLIENT_CORES core(s) busy (/proc ticks)"
lab_done
