#!/usr/bin/env bash
# Lab 4 - the KeepAliveTimeout trap: what idle keep-alive clients do to the
# clients that are actually asking for pages, on worker and on event.
#
# Both servers get the same small pool: 2 children of 25 threads
# (MaxRequestWorkers 50) for 10 active clients; on more cores, ACTIVE
# grows to 2 per server core and the pool (5 threads per active client,
# in children of 25) and IDLE (the pool's threads + ACTIVE) with it, so
# the proportions stay the same (labs/plan.sh). loadgen runs ACTIVE
# clients in a closed loop (keep-alive, MaxKeepAliveRequests 100 as
# Apache) and, at the same time,
# IDLE clients that send one request and then stay silent on their open
# connection, like browsers after a page load; when the server closes one,
# it comes straight back. For each KeepAliveTimeout the script records the
# active clients' throughput and latency percentiles.
#
#   ./run.sh            KeepAliveTimeout 0 1 2 5 15 s (about 2 minutes)
#   QUICK=1 ./run.sh    KeepAliveTimeout 1 5 (about 20 s)
#   IDLE=60 ACTIVE=10 SECONDS_EACH=5 TARGET=/files/1k.txt ./run.sh
#
# Writes results/keepalive.csv, results/throughput.svg and
# results/latency.svg.
#
# Budget: 150 s, QUICK=1 40 s (any number of cores).
set -u
. "$(dirname "$0")/../common.sh"
plan_init
MPMS="${MPMS:-worker event}"
ACTIVE="${ACTIVE:-$(plan_conns 2 10)}"
CHILDREN=$(((ACTIVE + 4) / 5))
THREADS=$((25 * CHILDREN))
# More idle clients than threads: worker can run out of them.
IDLE="${IDLE:-$((THREADS + ACTIVE))}"
# The home page: a small static file.
TARGET="${TARGET:-/index.html}"
if [ "$QUICK" = 1 ]; then
	KATS="${KATS:-1 5}" SECONDS_EACH="${SECONDS_EACH:-2}" WARMUP=1.5s
else
	KATS="${KATS:-0 1 2 5 15}" SECONDS_EACH="${SECONDS_EACH:-5}" WARMUP=2s
fi
POOL=("ServerLimit $CHILDREN" "StartServers $CHILDREN" 'ThreadsPerChild 25'
      "MaxRequestWorkers $THREADS" 'MinSpareThreads 10'
      "MaxSpareThreads $THREADS")
n_mpms="$(plan_count "$MPMS")"
plan_load "active clients on $TARGET" "$ACTIVE" static "$SERVER_CORES"
plan_load "idle keep-alive clients" "$IDLE" idle "$SERVER_CORES"
plan_point "$MPMS x KeepAliveTimeout $KATS (and the timeout)" \
	$((n_mpms * $(plan_count "$KATS"))) \
	"$(awk -v s="$SECONDS_EACH" -v w="${WARMUP%s}" \
	'BEGIN { print s + w + 1.5 }')"
[ "$QUICK" = 1 ] || plan_point "windows longer by the timeout" "$n_mpms" \
	$(( $(echo "$KATS" | tr ' ' '+') ))
plan_throughput
plan_done
lab_init 04-keepalive-trap
need_servers $MPMS
need_fds $((IDLE + ACTIVE + 256))

say "$ACTIVE active clients on $TARGET and $IDLE idle keep-alive clients;" \
    "$THREADS worker threads; $WARMUP warm-up, then ${SECONDS_EACH} s (plus" \
    "the timeout in the full run) measured"
HEADER="$(loadgen_header)"
CSV="$RESULTS/keepalive.csv"
csv_init "$CSV" mpm keepalive_timeout_s active idle seconds req_per_s p50_ms \
	p99_ms p999_ms max_ms errors idle_held idle_requests

field() { loadgen_field "$HEADER" "$ROW" "$1"; }

for mpm in $MPMS; do
	for kat in $KATS; do
		server_start "$mpm" "${POOL[@]}" "KeepAliveTimeout $kat"
		# --timeout above the longest KeepAliveTimeout: a request
		# that waits for a thread is slow, not lost.
		# The window is longer than the timeout in the full run, so
		# that every held connection times out at least once in it.
		secs=$SECONDS_EACH
		[ "$QUICK" = 1 ] || secs=$((SECONDS_EACH + kat))
		ROW="$(loadgen_row -t "$LOADGEN_THREADS" -c "$ACTIVE" \
			--idle "$IDLE" -w "$WARMUP" -d "${secs}s" --timeout 30s \
			"http://127.0.0.1:$SRV_PORT$TARGET")"
		server_stop "$SRV_PID"
		[ -n "$ROW" ] || die "loadgen printed nothing"
		# No request done: there is no latency to report (it is at
		# least the whole window); leave the cells empty.
		lat=("$(field p50_ms)" "$(field p99_ms)" "$(field p999_ms)"
		     "$(field max_ms)")
		[ "$(field requests)" = 0 ] && lat=("" "" "" "")
		csv_row "$CSV" "$mpm" "$kat" "$ACTIVE" "$IDLE" "$secs" \
			"$(field req_per_s)" "${lat[@]}" \
			"$(field errors)" "$(field idle_held)" \
			"$(field idle_requests)"
		fmt='%-6s KeepAliveTimeout %2s s: %8s req/s, p99 %8s ms,'
		fmt+=' p99.9 %9s ms, max %9s ms; idle held %s/%s,'
		fmt+=' idle requests %s'
		say "$(printf "$fmt" \
			"$mpm" "$kat" "$(field req_per_s)" "$(field p99_ms)" \
			"$(field p999_ms)" "$(field max_ms)" \
			"$(field idle_held)" "$IDLE" "$(field idle_requests)")"
	done
done

plot -l -i "$CSV" -o "$RESULTS/throughput.svg" -x keepalive_timeout_s \
	-y req_per_s -s mpm \
	-T "Active clients' throughput beside $IDLE idle keep-alive clients" \
	-X "KeepAliveTimeout (s)" \
	-Y "active clients' requests per second (log scale; 0 at the bottom)"
plot -l -i "$CSV" -o "$RESULTS/latency.svg" -x keepalive_timeout_s \
	-y p999_ms -s mpm \
	-T "Active clients' p99.9 latency ($IDLE idle clients held)" \
	-X "KeepAliveTimeout (s)" -Y "p99.9 latency (ms, log scale)"
lab_done
