#!/usr/bin/env bash
# Lab 5 - the event listener: thousands of idle keep-alive connections held
# by a few dozen threads, against worker, which needs a thread for each.
#
# For each server and each N, loadgen opens N connections that send one
# request and then stay silent. The script waits until the server stops
# taking more (or holds all N), then records how many it holds (the
# scoreboard's K slots and event's ConnsAsyncKeepAlive), its processes,
# threads and PSS, and how many connections wait in the kernel's listen
# backlog, accepted by nobody (ss).
#
# Servers: worker with Apache's defaults (MaxRequestWorkers 400); event
# with AsyncRequestWorkerFactor 64, so that each of its 3 children may
# hold 25 + 64 x 25 connections; and, in the full run, event with the
# default factor 2 ("event (default factor 2)"): each child holds 75, and
# when all are full the master spawns more, as httpd's does, up to
# ServerLimit 16 (16 x 75 = 1200). Beyond that, a full child closes its
# oldest idle connections for clients waiting in the backlog (loadgen's
# idle holders then reconnect), so the count held stays near 1200.
#
#   ./run.sh            N = 0 250 500 1000 2000 4000 (about 2 minutes)
#   QUICK=1 ./run.sh    N = 0 500 1000, worker and event (about 20 s)
#
# Writes results/idle.csv, results/held.svg, results/memory.svg and
# results/threads.svg.
#
# Budget: 150 s, QUICK=1 60 s (any number of cores: what is held does not
# depend on them).
set -u
. "$(dirname "$0")/../common.sh"
plan_init
if [ "$QUICK" = 1 ]; then
	STEPS="${STEPS:-0 500 1000}"
	CONFIGS="${CONFIGS:-worker event}"
else
	STEPS="${STEPS:-0 250 500 1000 2000 4000}"
	CONFIGS="${CONFIGS:-worker event event-factor2}"
fi
max="$(plan_largest "$STEPS")"
plan_load "idle keep-alive connections" "$max" idle "$SERVER_CORES"
plan_sweep "$CONFIGS" "$STEPS" 3 2 connections
plan_done
lab_init 05-event-listener
need_servers worker event
need_fds $((2 * max + 512))

CSV="$RESULTS/idle.csv"
csv_init "$CSV" server conns held waiting processes threads pss_kib \
	pss_mib kib_per_held

# Connections the server has accepted and holds. Counted with ss, not
# /server-status: a worker whose threads are all held cannot answer it.
held_now() { conns_accepted; }

# Wait until all N are held, or the count has not grown for 3 s (worker
# at MaxRequestWorkers; event with factor 2 at ServerLimit x 75), or 40 s
# (at that limit the count moves: idle holders closed, reconnecting).
wait_for_holders() { # N
	local n="$1" last=-1 now same=0 deadline=$((SECONDS + 40))

	while [ "$SECONDS" -lt "$deadline" ]; do
		now="$(held_now)"
		[ "$now" -ge "$n" ] && return 0
		if [ "$now" = "$last" ]; then
			same=$((same + 1))
			[ "$same" -ge 6 ] && return 0
		else
			same=0
		fi
		last="$now"
		sleep 0.5
	done
}

for config in $CONFIGS; do
	label="$config"
	case $config in
	worker) mpm=worker extra=() ;;
	event) mpm=event extra=('AsyncRequestWorkerFactor 64') ;;
	event-factor2) mpm=event extra=('AsyncRequestWorkerFactor 2')
		label="event (default factor 2)" ;;
	*) die "unknown configuration $config" ;;
	esac
	server_start "$mpm" 'KeepAliveTimeout 300' 'MaxKeepAliveRequests 0' \
		'ListenBacklog 4096' "${extra[@]}"
	sleep 1
	base=0
	for n in $STEPS; do
		if [ "$n" -gt 0 ]; then
			client_start "$LOADGEN" -q -t "$LOADGEN_THREADS" \
				-c 0 --idle "$n" -d 300s \
				"http://127.0.0.1:$SRV_PORT/files/1k.txt" \
				>/dev/null
			wait_for_holders "$n"
		fi
		sleep 0.5
		held="$(held_now)"
		pss="$(server_pss_kib "$SRV_PID")"
		procs="$(server_procs "$SRV_PID")"
		threads="$(server_threads "$SRV_PID")"
		waiting="$(conns_waiting)"
		if [ "$n" -eq 0 ]; then
			base="$pss" per=0
		else
			per=$(( held > 0 ? (pss - base) / held : 0 ))
		fi
		csv_row "$CSV" "$label" "$n" "$held" "$waiting" "$procs" \
			"$threads" "$pss" "$(kib_to_mib "$pss")" "$per"
		fmt='%-7s %5d asked: %5d held, %5d in the backlog; '
		fmt+='%3d processes, %4d threads, PSS %7s MiB '
		fmt+='(%3d KiB per held connection)'
		say "$(printf "$fmt" \
			"$label" "$n" "$held" "$waiting" "$procs" "$threads" \
			"$(kib_to_mib "$pss")" "$per")"
		[ "$n" -gt 0 ] && client_stop "$CLIENT_PID"
	done
	server_stop "$SRV_PID"
done

plot -i "$CSV" -o "$RESULTS/held.svg" -x conns -y held -s server \
	-T "Idle keep-alive connections the server holds" \
	-X "idle connections opened by the clients" \
	-Y "connections accepted and held (ss)"
plot -i "$CSV" -o "$RESULTS/memory.svg" -x conns -y pss_mib -s server \
	-T "Memory while holding idle connections" \
	-X "idle connections opened by the clients" \
	-Y "PSS of the whole server (MiB)"
plot -i "$CSV" -o "$RESULTS/threads.svg" -x conns -y threads -s server \
	-T "Threads while holding idle connections" \
	-X "idle connections opened by the clients" \
	-Y "threads, all processes"
lab_done
