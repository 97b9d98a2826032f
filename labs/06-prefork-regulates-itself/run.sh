#!/usr/bin/env bash
# Lab 6 - prefork regulates itself: the pool of children follows the load.
#
# A load in steps hits prefork: no clients, then STEP_HIGH clients at once
# (closed loop on /lab/sleep, so they cost processes, not CPU), then
# STEP_LOW clients, then none. Meanwhile a sampler reads
# /server-status?auto every 0.5 s and writes how many children exist, how
# many are busy and how many idle (and what the scoreboard said, when it
# could answer). It runs once per spare-server setting:
# Apache's defaults (MinSpareServers 5, MaxSpareServers 10) and a larger
# cushion (20, 40). Children are counted in /proc and busy ones with ss
# (see sampler below for why). The error log keeps the master's "server
# seems busy" lines with its spawn rate.
#
#   ./run.sh            phases 2 + 10 + 6 + 12 s per setting (about 1 min)
#   QUICK=1 ./run.sh    phases 1 + 7 + 2 + 1 s (about 25 s)
#   SPARES="5/10 20/40 1/2" ./run.sh
#
# Writes results/pool.csv (one row per sample), results/pool-MIN-MAX.svg
# (children, busy, idle over time for one setting) and
# results/children.svg (children over time, one line per setting).
#
# Budget: 120 s, QUICK=1 60 s (any number of cores: the clients sleep,
# they do not load the cores).
set -u
. "$(dirname "$0")/../common.sh"
plan_init
SPARES="${SPARES:-5/10 20/40}"
STEP_HIGH="${STEP_HIGH:-60}"
STEP_LOW="${STEP_LOW:-20}"
SLEEP_MS="${SLEEP_MS:-100}"
if [ "$QUICK" = 1 ]; then
	PHASES="${PHASES:-1:0 7:$STEP_HIGH 2:$STEP_LOW 1:0}"
else
	PHASES="${PHASES:-2:0 10:$STEP_HIGH 6:$STEP_LOW 12:0}"
fi
plan_load "clients on /lab/sleep" "$STEP_HIGH" io "$SERVER_CORES"
plan_point "phases $PHASES per setting ($SPARES)" \
	"$(plan_count "$SPARES")" \
	"$(echo "$PHASES" | tr ' ' '\n' | awk -F: '{ s += $1 } END { print s + 2 }')"
plan_done
lab_init 06-prefork-regulates-itself
need_servers prefork
need_fds 1024

CSV="$RESULTS/pool.csv"
csv_init "$CSV" spares t_s clients children busy idle status_busy status_idle
say "phases (seconds:clients): $PHASES; clients request /lab/sleep?ms=$SLEEP_MS"

# The sampler: one CSV row every 0.5 s until killed. Children are counted
# in /proc; a child is busy if it owns an established connection (ss -p),
# which is what the scoreboard's busy letters mean in prefork. We cannot
# rely on /server-status alone: when every child is busy, the request for
# it waits in the backlog like any other. Its answer, when one comes within
# 0.3 s, goes into the status_* columns (empty otherwise). The number of
# clients of the current phase comes from a file the main loop writes.
sampler() { # SPARES START_NS
	local spares="$1" start="$2" page t procs busy clients sb_busy sb_idle
	local k=0

	while :; do
		t="$(awk -v s="$start" -v n="$(date +%s%N)" \
			'BEGIN { printf "%.1f", (n - s) / 1e9 }')"
		busy="$(busy_children)"
		procs="$(server_procs "$SRV_PID")"
		# A child forked between the two readings: never more busy
		# children than children.
		[ "$busy" -le $((procs - 1)) ] || busy=$((procs - 1))
		clients="$(cat "$PHASE_FILE" 2>/dev/null)"
		page="$(curl -s --max-time 0.3 \
			"http://127.0.0.1:$SRV_PORT/server-status?auto" |
			tr -d '\r')"
		sb_busy="$(status_value "$page" BusyWorkers)"
		sb_idle="$(status_value "$page" IdleWorkers)"
		# Our own status request is one of the busy workers.
		[ -n "$sb_busy" ] && sb_busy=$((sb_busy - 1))
		csv_row "$CSV" "$spares" "$t" "${clients:-0}" $((procs - 1)) \
			"$busy" $((procs - 1 - busy)) "$sb_busy" "$sb_idle"
		# The next sample is due at start + k x 0.5 s, however long
		# this one took.
		k=$((k + 1))
		sleep "$(awk -v s="$start" -v k="$k" -v n="$(date +%s%N)" \
			'BEGIN { d = (s + k * 5e8 - n) / 1e9
				 printf "%.3f", (d > 0 ? d : 0) }')"
	done
}

# Children that own at least one established connection to the server.
busy_children() {
	ss -Htnp state established "( sport = :$SRV_PORT )" 2>/dev/null |
		grep -o 'pid=[0-9]*' | sort -u | wc -l
}

PHASE_FILE="$RESULTS/logs/phase.$$"
for spares in $SPARES; do
	min="${spares%/*}" max="${spares#*/}"
	server_start prefork "MinSpareServers $min" "MaxSpareServers $max" \
		'StartServers 5' 'KeepAliveTimeout 1'
	echo 0 >"$PHASE_FILE"
	sampler "$spares" "$(date +%s%N)" &
	sampler_pid=$!
	LAB_CLIENTS+=("$sampler_pid")
	for phase in $PHASES; do
		secs="${phase%%:*}" n="${phase#*:}"
		echo "$n" >"$PHASE_FILE"
		if [ "$n" -gt 0 ]; then
			# --timeout: while the pool grows, clients wait in the
			# listen backlog for seconds.
			url="http://127.0.0.1:$SRV_PORT/lab/sleep?ms=$SLEEP_MS"
			on_cpus "$CLIENT_CPUS" "$LOADGEN" -q \
				-t "$LOADGEN_THREADS" -c "$n" \
				-d "${secs}s" --timeout 20s "$url" >/dev/null
		else
			sleep "$secs"
		fi
	done
	client_stop "$sampler_pid"
	peak="$(awk -F, -v s="$spares" '$1 == s && $4 > m { m = $4 }
		END { print m + 0 }' "$CSV")"
	busy_lines="$(grep -c 'seems busy' "$SRV_LOG")"
	say "MinSpareServers $min, MaxSpareServers $max: peak $peak children;" \
	    "the master said \"server seems busy\" $busy_lines times:"
	grep 'seems busy' "$SRV_LOG" | sed 's/^/    /' | head -n 6
	server_stop "$SRV_PID"
	plot -i "$CSV" -o "$RESULTS/pool-$min-$max.svg" -x t_s \
		-y clients,busy,idle,children -w "spares=$spares" \
		-T "prefork with MinSpareServers $min, MaxSpareServers $max" \
		-X "time (s)" -Y "clients; children (busy + idle)"
done
rm -f "$PHASE_FILE"

plot -i "$CSV" -o "$RESULTS/children.svg" -x t_s -y children -s spares \
	-T "prefork's children over time, per Min/MaxSpareServers" \
	-X "time (s)" -Y "child processes"
lab_done
