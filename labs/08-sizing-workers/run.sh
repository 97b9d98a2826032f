#!/usr/bin/env bash
# Lab 8 - sizing worker counts: how many workers (MaxRequestWorkers) a
# server needs, from Little's law, for I/O-bound and for CPU-bound work,
# and what happens to latency when requests come faster than it can serve.
#
# Part A (closed loop): CLIENTS clients, one new connection per request,
# against each server with a fixed pool of M workers (prefork: M children;
# worker, event: M/5 children of 5 threads), for
#   /lab/sleep?ms=SLEEP_MS  I/O-bound: each request holds a worker, no CPU
#   /lab/spin?ms=SPIN_MS    CPU-bound: each request needs SPIN_MS of CPU
# Little's law, L = X x W: with L = M requests in service, each taking W,
# the throughput is at most X = M / W (I/O-bound), and at most cores / W
# whatever M is (CPU-bound).
#
# Part B (open loop): requests arrive at a fixed rate (loadgen -R, latency
# counted from when each request was due), against worker with 20 and
# with 60 workers; W = SLEEP_MS. Capacity is M / W: 200 and 600 a second.
#
#   ./run.sh            M = 5 10 20 40 80; rates 50..400/s (about 4 min)
#   QUICK=1 ./run.sh    M = 10 40, 50 clients; rate 300/s (about 30 s)
#
# On many cores the largest pool grows to 2 workers per server core (a
# multiple of 5), so that CPU-bound work can reach every core, and the
# clients to at least that pool (labs/plan.sh places them).
#
# Writes results/closed.csv, results/sleep.svg, results/spin.svg,
# results/open.csv, results/open.svg.
#
# Budget: 300 s, QUICK=1 60 s (up to 64 cores).
set -u
. "$(dirname "$0")/../common.sh"
plan_init
MPMS="${MPMS:-prefork worker event}"
SLEEP_MS="${SLEEP_MS:-100}"
SPIN_MS="${SPIN_MS:-10}"
if [ "$QUICK" = 1 ]; then
	POOLS="${POOLS:-10 40}" RATES="${RATES:-300}" CLIENTS="${CLIENTS:-50}"
	SECS="${SECS:-1}" OPEN_SECS="${OPEN_SECS:-1.5}" WARM=0.3s
else
	POOLS="${POOLS:-5 10 20 40 80}"
	RATES="${RATES:-50 100 150 200 250 300 400}"
	SECS="${SECS:-3}" OPEN_SECS="${OPEN_SECS:-4}" WARM=0.5s
	CLIENTS="${CLIENTS:-100}"
fi
OPEN_POOLS="${OPEN_POOLS:-20 60}"
# A pool of at least 2 workers per server core, and clients for it.
big=$(( (2 * SERVER_CORES + 4) / 5 * 5 ))
largest="$(plan_largest "$POOLS")"
[ "$big" -gt "$largest" ] && POOLS+=" $big" largest=$big
[ "$CLIENTS" -ge "$largest" ] || CLIENTS=$largest
n_points=$(($(plan_count "$MPMS") * $(plan_count "$POOLS")))
plan_load "CPU-bound /lab/spin, largest pool" "$largest" cpu \
	"$SERVER_CORES"
plan_load "I/O-bound /lab/sleep" "$CLIENTS" io "$SERVER_CORES"
plan_load "open loop at up to ${RATES##* }/s" 200 io "$SERVER_CORES"
plan_point "A: $MPMS x pools $POOLS x (sleep, spin)" \
	$((n_points * 2)) \
	"$(awk -v s="$SECS" -v w="${WARM%s}" 'BEGIN { print s + w + 0.3 }')"
plan_point "A: server starts" "$n_points" 1.5
plan_point "B: worker pools $OPEN_POOLS x rates $RATES" \
	$(($(plan_count "$OPEN_POOLS") * $(plan_count "$RATES"))) \
	"$(awk -v s="$OPEN_SECS" 'BEGIN { print s + 1.5 }')"
plan_throughput
plan_done
lab_init 08-sizing-workers
need_servers $MPMS
need_fds 4096
say "the server has $SERVER_CORES core(s): CPU-bound capacity" \
    "$SERVER_CORES / $SPIN_MS ms =" \
    "$((SERVER_CORES * 1000 / SPIN_MS)) requests a second"

# A fixed pool of M workers: nothing is spawned or retired during a run.
start_pool() { # MPM M
	local m="$2"

	if [ "$1" = prefork ]; then
		server_start prefork "StartServers $m" 'MinSpareServers 1' \
			"MaxSpareServers $m" "ServerLimit $m" \
			"MaxRequestWorkers $m"
	else
		server_start "$1" 'ThreadsPerChild 5' \
			"ServerLimit $((m / 5))" "StartServers $((m / 5))" \
			"MaxRequestWorkers $m" 'MinSpareThreads 1' \
			"MaxSpareThreads $((m + 5))"
	fi
	sleep 0.5
}

HEADER="$(loadgen_header)"
field() { loadgen_field "$HEADER" "$ROW" "$1"; }

CLOSED="$RESULTS/closed.csv"
csv_init "$CLOSED" series workload workers req_per_s p50_ms p99_ms errors \
	littles_law_req_per_s
for mpm in $MPMS; do
	for m in $POOLS; do
		start_pool "$mpm" "$m"
		for work in sleep spin; do
			if [ "$work" = sleep ]; then
				path="/lab/sleep?ms=$SLEEP_MS"
				busy=$(( m < CLIENTS ? m : CLIENTS ))
				law=$((busy * 1000 / SLEEP_MS))
			else
				path="/lab/spin?ms=$SPIN_MS"
				busy=$(( m < SERVER_CORES ? m : SERVER_CORES ))
				law=$((busy * 1000 / SPIN_MS))
			fi
			ROW="$(loadgen_row -t "$LOADGEN_THREADS" \
				-c "$CLIENTS" --close -w "$WARM" \
				-d "${SECS}s" --timeout 30s \
				"http://127.0.0.1:$SRV_PORT$path")"
			csv_row "$CLOSED" "$mpm" "$work" "$m" \
				"$(field req_per_s)" "$(field p50_ms)" \
				"$(field p99_ms)" "$(field errors)" "$law"
			fmt='A %-7s M=%-3d %-5s %8s req/s (Little: %5d),'
			fmt+=' p50 %9s ms'
			say "$(printf "$fmt" "$mpm" "$m" "$work" \
				"$(field req_per_s)" "$law" "$(field p50_ms)")"
		done
		server_stop "$SRV_PID"
	done
done
# The law's line, once per workload, as its own series.
for work in sleep spin; do
	awk -F, -v w="$work" 'NR > 1 && $2 == w && !seen[$3]++ {
		printf "Little'"'"'s law,%s,%s,%s,,,,%s\n", w, $3, $8, $8 }' \
		"$CLOSED" >>"$CLOSED.law"
done
cat "$CLOSED.law" >>"$CLOSED"
rm -f "$CLOSED.law"

OPEN="$RESULTS/open.csv"
csv_init "$OPEN" series workers offered_per_s req_per_s p50_ms p99_ms \
	max_ms errors capacity_per_s
for m in $OPEN_POOLS; do
	for rate in $RATES; do
		start_pool worker "$m"
		ROW="$(loadgen_row -t "$LOADGEN_THREADS" -c 200 --close \
			-R "$rate" \
			-d "${OPEN_SECS}s" --timeout 30s \
			"http://127.0.0.1:$SRV_PORT/lab/sleep?ms=$SLEEP_MS")"
		server_stop "$SRV_PID"
		csv_row "$OPEN" "MaxRequestWorkers $m" "$m" "$rate" \
			"$(field req_per_s)" "$(field p50_ms)" \
			"$(field p99_ms)" "$(field max_ms)" "$(field errors)" \
			$((m * 1000 / SLEEP_MS))
		fmt='B worker M=%-3d offered %4d/s: served %8s/s,'
		fmt+=' p50 %9s ms, p99 %9s ms'
		say "$(printf "$fmt" \
			"$m" "$rate" "$(field req_per_s)" "$(field p50_ms)" \
			"$(field p99_ms)")"
	done
done

plot -i "$CLOSED" -o "$RESULTS/sleep.svg" -x workers -y req_per_s \
	-s series -w workload=sleep -r "Little's law" \
	-T "I/O-bound /lab/sleep?ms=$SLEEP_MS: throughput against workers" \
	-X "MaxRequestWorkers (fixed pool)" -Y "requests per second"
plot -i "$CLOSED" -o "$RESULTS/spin.svg" -x workers -y req_per_s \
	-s series -w workload=spin -r "Little's law" \
	-T "CPU-bound /lab/spin?ms=$SPIN_MS: throughput against workers" \
	-X "MaxRequestWorkers (fixed pool)" -Y "requests per second"
plot -l -i "$OPEN" -o "$RESULTS/open.svg" -x offered_per_s -y p99_ms \
	-s series \
	-T "worker, /lab/sleep?ms=$SLEEP_MS at a fixed rate: p99 latency" \
	-X "offered load (requests per second, open loop)" \
	-Y "p99 latency from the due time (ms, log scale)"
lab_done
