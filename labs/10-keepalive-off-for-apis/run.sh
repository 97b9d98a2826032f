#!/usr/bin/env bash
# Lab 10 - KeepAlive Off for API traffic: a new connection per request
# against keep-alive, on each server: throughput, latency, the server's
# CPU per request, and the TIME_WAIT sockets left behind.
#
# CLIENTS clients in a closed loop call TARGET. With "KeepAlive On" a
# connection carries up to 100 requests (MaxKeepAliveRequests); with
# "KeepAlive Off" the server closes after each response, so every request
# pays a TCP handshake and the server, which closes first, keeps the
# socket in TIME_WAIT for 60 s (if it closes first: the CSV counts the
# clients' side too). Server CPU comes from /proc/PID/stat of all its
# processes, TIME_WAIT from ss.
#
#   ./run.sh            4 s per point (about 35 s)
#   QUICK=1 ./run.sh    1 s per point (about 15 s)
#   CLIENTS=16 TARGET=/lab/sleep?ms=0 ./run.sh
#
# Writes results/api.csv, results/timewait.csv, results/throughput.svg,
# results/cpu.svg and results/timewait.svg.
#
# On more cores CLIENTS grows to 2 per server core (labs/plan.sh).
#
# Budget: 60 s, QUICK=1 30 s (any number of cores).
set -u
. "$(dirname "$0")/../common.sh"
plan_init
MPMS="${MPMS:-prefork worker event}"
CLIENTS="${CLIENTS:-$(plan_conns 2 16)}"
# A small JSON document, as an API would answer.
TARGET="${TARGET:-/files/data.json}"
if [ "$QUICK" = 1 ]; then
	SECS="${SECS:-1}" WARM=0.3s
else
	SECS="${SECS:-4}" WARM=1s
fi
plan_load "clients on $TARGET" "$CLIENTS" static "$SERVER_CORES"
plan_point "$MPMS x (keep-alive, close)" $(($(plan_count "$MPMS") * 2)) \
	"$(awk -v s="$SECS" -v w="${WARM%s}" 'BEGIN { print s + w + 1.2 }')"
plan_throughput
plan_done
lab_init 10-keepalive-off-for-apis
need_servers $MPMS
need_fds 4096

HEADER="$(loadgen_header)"
field() { loadgen_field "$HEADER" "$ROW" "$1"; }
CSV="$RESULTS/api.csv"
csv_init "$CSV" mpm mode req_per_s p50_ms p99_ms errors server_cpu_s \
	server_us_per_req time_wait time_wait_client
TW="$RESULTS/timewait.csv"
csv_init "$TW" mpm mode side time_wait

# Sockets in TIME_WAIT on the server's side of its port (sport) or on the
# clients' side (dport): whoever closed first.
timewait_count() { # sport|dport
	ss -Htan state time-wait "( $1 = :$SRV_PORT )" 2>/dev/null | wc -l
}

for mpm in $MPMS; do
	extra=()
	[ "$mpm" = prefork ] && extra=("StartServers $((CLIENTS + 4))" \
		'MinSpareServers 10' "MaxSpareServers $((CLIENTS + 14))")
	for mode in keep-alive close; do
		ka=On
		[ "$mode" = close ] && ka=Off
		server_start "$mpm" "KeepAlive $ka" "${extra[@]}"
		sleep 0.5
		before="$(server_cpu_ticks "$SRV_PID")"
		ROW="$(loadgen_row -t "$LOADGEN_THREADS" -c "$CLIENTS" \
			-w "$WARM" -d "${SECS}s" \
			"http://127.0.0.1:$SRV_PORT$TARGET")"
		after="$(server_cpu_ticks "$SRV_PID")"
		tw="$(timewait_count sport)" twc="$(timewait_count dport)"
		server_stop "$SRV_PID"
		cpu="$(ticks_to_s $((after - before)))"
		# CPU over warm-up and measure, per request of the measure:
		# scale the requests up by the warm-up's share of the time.
		per="$(awk -v c="$cpu" -v r="$(field requests)" -v d="$SECS" \
			-v w="${WARM%s}" 'BEGIN { n = r * (d + w) / d
			if (n > 0) printf "%.1f", c * 1e6 / n }')"
		label="KeepAlive $ka"
		csv_row "$CSV" "$mpm" "$label" "$(field req_per_s)" \
			"$(field p50_ms)" "$(field p99_ms)" "$(field errors)" \
			"$cpu" "$per" "$tw" "$twc"
		csv_row "$TW" "$mpm" "$label" "server side" "$tw"
		csv_row "$TW" "$mpm" "$label" "client side" "$twc"
		fmt='%-7s %-13s %9s req/s, p99 %8s ms,'
		fmt+=' server CPU %6s us/request;'
		fmt+=' TIME_WAIT: %5d server side, %5d client side'
		say "$(printf "$fmt" \
			"$mpm" "$label" "$(field req_per_s)" "$(field p99_ms)" \
			"$per" "$tw" "$twc")"
	done
done

plot -t bar -i "$CSV" -o "$RESULTS/throughput.svg" -x mode -y req_per_s \
	-s mpm -T "$CLIENTS clients calling $TARGET: throughput" \
	-X "server's KeepAlive setting" -Y "requests per second"
plot -t bar -i "$CSV" -o "$RESULTS/cpu.svg" -x mode -y server_us_per_req \
	-s mpm -T "Server CPU per request" \
	-X "server's KeepAlive setting" -Y "server CPU time per request (us)"
plot -t bar -i "$TW" -o "$RESULTS/timewait.svg" -x side -y time_wait \
	-s mpm -w "mode=KeepAlive Off" \
	-T "KeepAlive Off: sockets in TIME_WAIT on the side that closed first" \
	-X "side of the connection" \
	-Y "TIME_WAIT sockets right after the run"
lab_done
