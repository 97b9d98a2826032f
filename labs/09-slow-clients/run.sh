#!/usr/bin/env bash
# Lab 9 - slow clients (slowloris): clients that send their request one
# byte a second, against each server, with several values of Timeout.
#
# Every server gets 50 workers (prefork: 50 children; worker, event: 2
# children of 25 threads). loadgen runs SLOW slow clients (a byte every
# second; when the server gives up on one, it comes back 0.1 s later) and,
# at the same time, ACTIVE normal clients whose throughput and latency are
# measured; one that waits GIVE_UP seconds (15, QUICK 3) is given up and
# counted as an error. Timeout bounds how long a request head may take to
# arrive. On more cores ACTIVE grows to 2 per server core, and the pool
# (5 workers per active client, in children of 25) and SLOW (the
# workers + ACTIVE) with it, so the proportions stay the same
# (labs/plan.sh).
#
#   ./run.sh            Timeout 2 5 10 30 s (about 2 minutes)
#   QUICK=1 ./run.sh    Timeout 2 30 (about 25 s)
#   SLOW=60 ACTIVE=10 TARGET=/files/1k.txt ./run.sh
#
# Writes results/slow.csv, results/throughput.svg, results/latency.svg.
#
# Budget: 150 s, QUICK=1 40 s (any number of cores).
set -u
. "$(dirname "$0")/../common.sh"
plan_init
MPMS="${MPMS:-prefork worker event}"
ACTIVE="${ACTIVE:-$(plan_conns 2 10)}"
WORKERS=$(( (5 * ACTIVE + 24) / 25 * 25 ))
CHILDREN=$((WORKERS / 25))
# More slow clients than workers: prefork and worker can run out of them.
SLOW="${SLOW:-$((WORKERS + ACTIVE))}"
# The home page: a small static file.
TARGET="${TARGET:-/index.html}"
if [ "$QUICK" = 1 ]; then
	TIMEOUTS="${TIMEOUTS:-2 30}" SECS="${SECS:-1.5}" WARM=1s
	GIVE_UP="${GIVE_UP:-3}"
else
	TIMEOUTS="${TIMEOUTS:-2 5 10 30}" SECS="${SECS:-5}" WARM=2s
	GIVE_UP="${GIVE_UP:-15}"
fi
plan_load "active clients on $TARGET" "$ACTIVE" static "$SERVER_CORES"
plan_load "slow clients" "$SLOW" idle "$SERVER_CORES"
plan_sweep "$MPMS" "$TIMEOUTS" "$(awk -v s="$SECS" -v w="${WARM%s}" \
	'BEGIN { print s + w + 0.8 }')" 0.7 Timeout
plan_throughput
plan_done
lab_init 09-slow-clients
need_servers $MPMS
need_fds $((SLOW + ACTIVE + 256))

start_pool() { # MPM TIMEOUT: WORKERS workers
	if [ "$1" = prefork ]; then
		server_start prefork "StartServers $WORKERS" \
			'MinSpareServers 5' "MaxSpareServers $WORKERS" \
			"ServerLimit $WORKERS" "MaxRequestWorkers $WORKERS" \
			"Timeout $2"
	else
		server_start "$1" "ServerLimit $CHILDREN" \
			"StartServers $CHILDREN" 'ThreadsPerChild 25' \
			"MaxRequestWorkers $WORKERS" 'MinSpareThreads 10' \
			"MaxSpareThreads $WORKERS" "Timeout $2"
	fi
}

say "$SLOW slow clients (a byte a second) and $ACTIVE active clients on" \
    "$TARGET; $WORKERS workers per server; $WARM warm-up, $SECS s measured"
HEADER="$(loadgen_header)"
field() { loadgen_field "$HEADER" "$ROW" "$1"; }
CSV="$RESULTS/slow.csv"
csv_init "$CSV" mpm timeout_s slow active req_per_s p50_ms p99_ms p999_ms \
	errors slow_requests slow_errors

for mpm in $MPMS; do
	for t in $TIMEOUTS; do
		start_pool "$mpm" "$t"
		sleep 0.3
		# An active request that waits GIVE_UP seconds for a worker
		# counts as a timeout error, which also bounds the run.
		ROW="$(loadgen_row -t "$LOADGEN_THREADS" -c "$ACTIVE" \
			--slow "$SLOW" -w "$WARM" \
			-d "${SECS}s" --timeout "${GIVE_UP}s" \
			"http://127.0.0.1:$SRV_PORT$TARGET")"
		server_stop "$SRV_PID"
		lat=("$(field p50_ms)" "$(field p99_ms)" "$(field p999_ms)")
		[ "$(field requests)" = 0 ] && lat=("" "" "")
		csv_row "$CSV" "$mpm" "$t" "$SLOW" "$ACTIVE" \
			"$(field req_per_s)" "${lat[@]}" "$(field errors)" \
			"$(field slow_requests)" "$(field slow_errors)"
		fmt='%-7s Timeout %2s s: %8s req/s, p99 %9s ms, %s given up;'
		fmt+=' slow clients: %s answered, %s cut off'
		say "$(printf "$fmt" \
			"$mpm" "$t" "$(field req_per_s)" "${lat[1]:--}" \
			"$(field errors)" "$(field slow_requests)" \
			"$(field slow_errors)")"
	done
done

plot -l -i "$CSV" -o "$RESULTS/throughput.svg" -x timeout_s -y req_per_s \
	-s mpm -T "Normal clients' throughput beside $SLOW slowloris clients" \
	-X "Timeout (s)" \
	-Y "normal clients' requests per second (log scale; 0 at the bottom)"
plot -l -i "$CSV" -o "$RESULTS/latency.svg" -x timeout_s -y p99_ms \
	-s mpm -T "Normal clients' p99 latency beside $SLOW slowloris clients" \
	-X "Timeout (s)" -Y "p99 latency (ms, log scale)"
lab_done
