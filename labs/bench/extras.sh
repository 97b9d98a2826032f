# labs/bench/extras.sh - the two optional parts of `make bench` after the
# scenarios (both on in `make perf`): BENCH_WRK=1, loadgen beside wrk on
# the same server; BENCH_HOLD=N, N idle keep-alive connections held on
# event while 16 clients work. Sourced by bench.sh; report.sh prints what
# they wrote (wrk.csv, hold.csv).
#
# What it teaches: a benchmark must check its own instrument. If another
# load generator drives the same server faster, the numbers measured the
# client; and a claim like "an idle connection costs event almost nothing"
# is a number of bytes per connection and a throughput ratio, measured.

# shellcheck shell=bash

# loadgen_csv OPTIONS... URL: loadgen's CSV (header and one row), pinned
# to the client's cores with its threads.
loadgen_csv() {
	on_cpus "$CLIENT_CPUS" "$LOADGEN" -t "$CLIENT_THREADS" --csv -q "$@"
}

# csv_field NAME: that column of the CSV (header and row) on stdin.
csv_field() {
	awk -F, -v name="$1" 'NR == 1 { for (i = 1; i <= NF; i++) c[$i] = i; next }
		{ print $c[name] }'
}

# Three times each, alternating: loadgen and wrk, 64 keep-alive
# connections on the 1 KiB file, on event (and limit where it ran).
wrk_beside_loadgen() {
	local name i url list=() rps

	if ! command -v wrk >/dev/null; then
		NOTES+=("BENCH_WRK=1: wrk is not installed; skipped")
		return 0
	fi
	echo "server,tool,req_per_s" >"$OUT/wrk.csv"
	for name in event limit; do
		case $name in
		event) [ -x "$(kit_binary event "$KIT_BIN")" ] || continue
		       mapfile -t list < <(kit_command event)
		       start_server event status - "${list[@]}" || continue ;;
		limit) [ "$LIMIT_RUNS" = 1 ] || continue
		       start_server limit plain - "$LIMIT_BIN" @PORT@ "$SERVER_CORES" || continue ;;
		esac
		url="http://127.0.0.1:$SRV_PORT$SMALL"
		say "loadgen beside wrk on $name, 3 x $SECONDS_EACH s each"
		for i in 1 2 3; do
			rps=$(loadgen_csv -c 64 -w "$WARMUP" -d "$SECONDS_EACH" "$url" | csv_field req_per_s)
			echo "$name,loadgen,$rps" >>"$OUT/wrk.csv"
			rps=$(on_cpus "$CLIENT_CPUS" wrk -t "$CLIENT_THREADS" -c 64 -d "${SECONDS_EACH}s" "$url" |
				awk '/^Requests\/sec/ { print $2 }')
			echo "$name,wrk,${rps:-0}" >>"$OUT/wrk.csv"
		done
		stop_server
	done
}

# event with HOLD idle keep-alive connections: 16 clients three times
# without them, the HOLD connections opened, 16 clients three times beside
# them. Each child must be allowed to hold them all (AsyncRequestWorker-
# Factor 100: with Apache's 2, a child of 32 threads holds 96) and they
# must outlive the run (KeepAliveTimeout 300).
hold_idle_connections() {
	local list=() url i row pid

	[ -x "$(kit_binary event "$KIT_BIN")" ] || return 0
	ulimit -n "$(ulimit -Hn)" 2>/dev/null || true
	mapfile -t list < <(kit_command event)
	start_server event-hold status - "${list[@]}" \
		-c 'AsyncRequestWorkerFactor 100' -c 'KeepAliveTimeout 300' ||
		{ NOTES+=("BENCH_HOLD: event did not start"); return 0; }
	url="http://127.0.0.1:$SRV_PORT$SMALL"
	say "event with $HOLD idle keep-alive connections beside 16 clients"
	echo "phase,req_per_s,p99_ms,server_pss_kib,conns" >"$OUT/hold.csv"
	hold_row() { # PHASE
		row=$(loadgen_csv -c 16 -w "$WARMUP" -d "$SECONDS_EACH" "$url")
		echo "$1,$(csv_field req_per_s <<<"$row"),$(csv_field p99_ms <<<"$row"),$(hold_pss),$(hold_conns)" >>"$OUT/hold.csv"
	}
	for i in 1 2 3; do hold_row without-idle; done
	on_cpus "$CLIENT_CPUS" "$LOADGEN" -q --idle "$HOLD" \
		-d $((SECONDS_EACH * 6 + 60)) "$url" >/dev/null 2>&1 &
	pid=$!
	for _ in $(seq 120); do
		[ "$(hold_conns)" -ge "$HOLD" ] 2>/dev/null && break
		sleep 0.5
	done
	sleep 1
	echo "idle-held,,,$(hold_pss),$(hold_conns)" >>"$OUT/hold.csv"
	for i in 1 2 3; do hold_row with-idle; done
	kill "$pid" 2>/dev/null
	wait "$pid" 2>/dev/null
	stop_server
}

# shellcheck disable=SC2046 # one pid a word
hold_pss() { kit_pss_kib $(group_pids "$SRV_PID"); }

hold_conns() {
	curl -s --max-time 2 "http://127.0.0.1:$SRV_PORT/server-status?auto" |
		awk -F': ' '$1 == "ConnsTotal" { print $2 + 0 }'
}
