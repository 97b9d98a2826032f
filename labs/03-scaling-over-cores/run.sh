#!/usr/bin/env bash
# Lab 3 - scaling over cores: throughput of a static file and of CPU work
# (/lab/spin) as the server is given 1, 2, ... N cores with taskset.
#
# The client (loadgen) always runs on CPU 0. With k cores the server runs
# on the last k CPUs; when k = N it includes CPU 0, so client and server
# share a core, and the CSV says so (client_shares = 1). The script also
# measures the CPU time the server and the client used, from /proc and
# from bash's time.
#
#   ./run.sh            4 s per point (about 1.5 minutes on 2 cores)
#   QUICK=1 ./run.sh    1 s per point (about 25 s)
#   STATIC=/files/64k.txt SPIN_MS=5 CONNS=8 ./run.sh
#
# Writes results/scaling.csv, results/static.svg and results/spin.svg.
set -u
. "$(dirname "$0")/../common.sh"
PIN=0 lab_init 03-scaling-over-cores

MPMS="${MPMS:-prefork worker event}"
STATIC="${STATIC:-/files/1k.txt}"
SPIN_MS="${SPIN_MS:-5}"
CONNS="${CONNS:-8}"
if [ "$QUICK" = 1 ]; then
	SECS="${SECS:-1}" WARM=0.5s
else
	SECS="${SECS:-4}" WARM=1s
fi
need_servers $MPMS
N="$(cores)"
command -v taskset >/dev/null || die "this lab needs taskset (util-linux)"
say "$N cores: the client runs on CPU 0; the server on the last k CPUs" \
    "for k = 1..$N (it shares CPU 0 with the client when k = $N)"

CSV="$RESULTS/scaling.csv"
csv_init "$CSV" mpm target server_cores server_cpus client_cpus \
	client_shares req_per_s p99_ms errors server_cpu_s client_cpu_s \
	server_cpu_us_per_req
HEADER="$(loadgen_header)"

# Server CPU per request in microseconds. The CPU time covers warm-up and
# measure, the rate only the measure: count the warm-up's requests too.
cpu_per_request() { # CPU_SECONDS REQ_PER_S
	awk -v s="$1" -v r="$2" -v d="$SECS" -v w="${WARM%s}" 'BEGIN {
		if (r > 0) printf "%.0f", s * 1e6 / (r * (d + w))
		else print "" }'
}

run_point() { # MPM LABEL PATH K CPUS
	local mpm="$1" label="$2" path="$3" k="$4" cpus="$5" before after
	local row tfile="$RESULTS/logs/time.$$" client_s shares=0 rps srv_s fmt

	before="$(server_cpu_ticks "$SRV_PID")"
	TIMEFORMAT='%U %S'
	{ time row="$(taskset -c 0 "$LOADGEN" --csv -q -t 1 -c "$CONNS" \
		-w "$WARM" -d "${SECS}s" "http://127.0.0.1:$SRV_PORT$path" |
		sed -n 2p)" ; } 2>"$tfile"
	after="$(server_cpu_ticks "$SRV_PID")"
	client_s="$(awk '{ printf "%.2f", $1 + $2 }' "$tfile")"
	rm -f "$tfile"
	[ "$k" = "$N" ] && shares=1
	rps="$(loadgen_field "$HEADER" "$row" req_per_s)"
	srv_s="$(ticks_to_s $((after - before)))"
	csv_row "$CSV" "$mpm" "$label" "$k" "$cpus" 0 "$shares" "$rps" \
		"$(loadgen_field "$HEADER" "$row" p99_ms)" \
		"$(loadgen_field "$HEADER" "$row" errors)" "$srv_s" \
		"$client_s" "$(cpu_per_request "$srv_s" "$rps")"
	fmt='%-7s %-7s server on CPU %-4s %9s req/s; server CPU %5s s,'
	fmt+=' client CPU %5s s (warm-up included)'
	say "$(printf "$fmt" \
		"$mpm" "$label" "$cpus" "$rps" "$srv_s" "$client_s")"
}

for mpm in $MPMS; do
	for k in $(seq 1 "$N"); do
		cpus="$(cpu_range $((N - k)) $((N - 1)))"
		# prefork: enough children for the connections from the
		# start (worker and event start with 75 threads).
		extra=()
		[ "$mpm" = prefork ] && extra=('StartServers 10' \
			'MinSpareServers 10' 'MaxSpareServers 20')
		SRV_CPUS="$cpus" server_start "$mpm" "${extra[@]}"
		sleep 0.5
		run_point "$mpm" static "$STATIC" "$k" "$cpus"
		run_point "$mpm" spin "/lab/spin?ms=$SPIN_MS" "$k" "$cpus"
		server_stop "$SRV_PID"
	done
done

note="$N cores; client on CPU 0, server on the last k CPUs"
note+=" (shares CPU 0 when k = $N); $CONNS connections"
plot -N "$note" -i "$CSV" -o "$RESULTS/static.svg" -x server_cores \
	-y req_per_s -s mpm -w target=static \
	-T "Static file $STATIC: throughput against the server's cores" \
	-X "cores given to the server (taskset)" -Y "requests per second"
plot -N "$note" -i "$CSV" -o "$RESULTS/spin.svg" -x server_cores \
	-y req_per_s -s mpm -w target=spin \
	-T "CPU-bound /lab/spin?ms=$SPIN_MS: throughput against cores" \
	-X "cores given to the server (taskset)" -Y "requests per second"
lab_done
