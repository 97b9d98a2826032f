#!/usr/bin/env bash
# Lab 2 - what prefork costs: the memory (PSS), processes and threads each
# server needs to hold N concurrent connections, N from 0 to 256.
#
# For each server and each N, loadgen opens N keep-alive connections that
# send one request and then stay silent (idle holders), the script waits
# until the scoreboard shows the server holding all N, then adds up the
# proportional set size (PSS) of every process of the server from
# /proc/PID/smaps_rollup and counts its processes and threads.
#
#   ./run.sh            N = 0 16 32 64 128 192 256 (about 2 minutes)
#   QUICK=1 ./run.sh    N = 0 16 64 (about 20 s)
#
# Writes results/memory.csv, results/memory.svg (MiB against connections)
# and results/tasks.svg (threads against connections).
#
# Budget: 150 s, QUICK=1 60 s (any number of cores: memory does not
# depend on them).
set -u
. "$(dirname "$0")/../common.sh"
plan_init
MPMS="${MPMS:-prefork worker event}"
if [ "$QUICK" = 1 ]; then
	STEPS="${STEPS:-0 16 64}"
else
	STEPS="${STEPS:-0 16 32 64 128 192 256}"
fi
# Same limits for all three: room for 256 held connections plus the
# script's own /server-status requests. Holders must not time out while
# we measure (KeepAliveTimeout 120). Event takes new connections only
# while a child holds fewer than ThreadsPerChild + factor x idle threads
# (25 + 2 x 25 = 75 by default): factor 8 lets its 3 children hold 256.
COMMON=('KeepAliveTimeout 120' 'MaxKeepAliveRequests 0')
PREFORK=('ServerLimit 300' 'MaxRequestWorkers 300')
THREADED=('MaxRequestWorkers 300')
EVENT=('AsyncRequestWorkerFactor 8')
URL_PATH=/files/1k.txt
max="$(plan_largest "$STEPS")"
plan_load "idle keep-alive holders" "$max" idle "$SERVER_CORES"
plan_sweep "$MPMS" "$STEPS" 1 2.5 connections
# prefork grows at 1, 2, 4 ... 32 children a second: 256 take about 12 s.
[ "$max" -gt 64 ] && plan_point "prefork's pool growing to $max" 1 12
plan_done
lab_init 02-what-prefork-costs
need_servers $MPMS
need_fds 2048

CSV="$RESULTS/memory.csv"
csv_init "$CSV" mpm conns held processes threads pss_kib pss_mib rss_kib \
	kib_per_conn

# How many connections the server holds now: 'K' slots (prefork, worker:
# a process or thread waits in each) plus event's parked connections.
held_now() {
	local page k parked

	page="$(status_auto)"
	k="$(scoreboard_count "$page" K)"
	parked="$(status_value "$page" ConnsAsyncKeepAlive)"
	echo $((k + ${parked:-0}))
}

held_at_least() { [ "$(held_now)" -ge "$1" ]; }

measure() { # MPM N
	local mpm="$1" n="$2" held base_kib="${BASE_KIB:-0}" pss rss per
	local procs threads fmt

	if [ "$n" -gt 0 ]; then
		client_start "$LOADGEN" -q -t "$LOADGEN_THREADS" -c 0 \
			--idle "$n" -d 300s \
			"http://127.0.0.1:$SRV_PORT$URL_PATH" >/dev/null
		# prefork grows at 1, 2, 4 ... 32 children a second: 256
		# connections take about 12 s to be served.
		wait_until 40 held_at_least "$n" ||
			say "$mpm: only $(held_now) of $n connections" \
			    "held after 40 s"
	fi
	sleep 0.5   # let the master's maintenance round settle
	held="$(held_now)"
	pss="$(server_pss_kib "$SRV_PID")"
	rss="$(server_mem_kib "$SRV_PID" Rss)"
	procs="$(server_procs "$SRV_PID")"
	threads="$(server_threads "$SRV_PID")"
	[ "$n" -eq 0 ] && BASE_KIB="$pss" base_kib="$pss"
	per=0
	[ "$n" -gt 0 ] && per=$(( (pss - base_kib) / n ))
	csv_row "$CSV" "$mpm" "$n" "$held" "$procs" "$threads" "$pss" \
		"$(kib_to_mib "$pss")" "$rss" "$per"
	fmt='%-8s %4d connections (%4d held): %3d processes, %4d threads,'
	fmt+=' PSS %s MiB'
	say "$(printf "$fmt" \
		"$mpm" "$n" "$held" "$procs" "$threads" \
		"$(kib_to_mib "$pss")")"
	[ "$n" -gt 0 ] && client_stop "$CLIENT_PID"
	return 0
}

for mpm in $MPMS; do
	case $mpm in
	prefork) extra=("${PREFORK[@]}") ;;
	worker) extra=("${THREADED[@]}") ;;
	event) extra=("${THREADED[@]}" "${EVENT[@]}") ;;
	esac
	server_start "$mpm" "${COMMON[@]}" "${extra[@]}"
	sleep 1   # the first maintenance round
	BASE_KIB=0
	for n in $STEPS; do
		measure "$mpm" "$n"
	done
	server_stop "$SRV_PID"
done

plot -i "$CSV" -o "$RESULTS/memory.svg" -x conns -y pss_mib -s mpm \
	-T "Memory to hold N idle keep-alive connections" \
	-X "concurrent connections (idle keep-alive)" \
	-Y "PSS of the whole server (MiB)"
plot -i "$CSV" -o "$RESULTS/tasks.svg" -x conns -y threads -s mpm \
	-T "Threads (all processes) to hold N connections" \
	-X "concurrent connections (idle keep-alive)" \
	-Y "threads, master included"
lab_done
