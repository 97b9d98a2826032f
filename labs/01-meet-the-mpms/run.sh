#!/usr/bin/env bash
# Lab 1 - meet the three MPMs: what runs (processes, threads), what the
# scoreboard says, and which thread accepts and which serves one request.
#
# For each server (default configuration, LabHandlers On) the script saves
#   results/MPM-processes.txt  pstree, ps with threads (ps -L), /proc counts
#   results/MPM-status.txt     /server-status?auto
#   results/MPM-strace.txt     strace -f of the children during one request
#                              (skipped, and said so, without strace)
# and writes results/mpms.csv (one row per server), results/at_rest.csv and
# results/at_rest.svg (processes and threads of each server at rest).
#
#   ./run.sh   about 10 s;  QUICK=1 is the same
#   PLAN=1 CORES=16 ./run.sh   what it would do on 16 cores
#
# Budget: 30 s, QUICK=1 30 s (any number of cores).
set -u
. "$(dirname "$0")/../common.sh"
plan_init
MPMS="${MPMS:-prefork worker event}"
plan_load "one request to each server" 1 none "$SERVER_CORES"
plan_point "$MPMS: start, census, one traced request" \
	"$(plan_count "$MPMS")" 3.5
plan_done
lab_init 01-meet-the-mpms

URL_PATH=/files/1k.txt
need_servers $MPMS

HAVE_STRACE=0
if command -v strace >/dev/null 2>&1; then
	# ptrace may be forbidden (containers, Yama): try once, the way the
	# lab uses it: attach (-p) to a process that is not strace's own
	# child (Yama's ptrace_scope 1 allows only those). Attached, strace
	# waits until timeout stops it (124); refused, it fails at once.
	sleep 3 &
	probe=$!
	timeout 1 strace -e trace=none -o /dev/null -p "$probe" 2>/dev/null
	[ $? -eq 124 ] && HAVE_STRACE=1
	kill "$probe" 2>/dev/null
	wait "$probe" 2>/dev/null
	if [ "$HAVE_STRACE" = 0 ]; then
		say "strace is installed but cannot trace here: skipping traces"
	fi
else
	say "no strace on this machine: skipping the trace of one request" \
	    "(apt-get install strace to see it)"
fi

CSV="$RESULTS/mpms.csv"
LONG="$RESULTS/at_rest.csv"
csv_init "$CSV" mpm processes threads idle_workers busy_workers \
	scoreboard_slots pss_kib accept_pid accept_tid read_tid write_tid \
	eagain_wakeups
csv_init "$LONG" mpm what count

# The process (thread group) a thread belongs to.
process_of_tid() {
	local p

	for p in $(group_pids "$SRV_PID"); do
		[ -d "/proc/$p/task/$1" ] && { echo "$p"; return; }
	done
	echo "?"
}

describe_tid() { # TID: "thread T of process P (main thread | one of N)"
	local tid="$1" p n

	[ "$tid" = na ] && { echo "nobody seen"; return; }
	p="$(process_of_tid "$tid")"
	n="$(ls "/proc/$p/task" 2>/dev/null | wc -l)"
	if [ "$tid" = "$p" ]; then
		echo "thread $tid = the main thread of child $p ($n thread(s))"
	else
		echo "thread $tid, one of the $n threads of child $p"
	fi
}

save_processes() { # MPM
	local out="$RESULTS/$1-processes.txt" p pids

	pids="$(group_pids "$SRV_PID" | paste -sd, -)"
	{
		echo "# $1: master $SRV_PID; every process of its group"
		if command -v pstree >/dev/null; then
			pstree -p "$SRV_PID"
			echo
		fi
		ps -o pid,ppid,pgid,nlwp,rss,stat,comm -p "$pids"
		echo
		echo "# threads (ps -L): LWP is the thread id"
		ps -L -o pid,lwp,stat,comm -p "$pids"
		echo
		for p in $(group_pids "$SRV_PID"); do
			echo "/proc/$p/status: $(grep -E '^Threads:' \
				"/proc/$p/status" 2>/dev/null)"
		done
	} >"$out" 2>&1
}

# Trace every child (all threads: -f) while one request is served. The
# master never serves, so it is not traced.
trace_one_request() { # MPM
	local out="$RESULTS/$1-strace.txt" args=() p tracer calls

	for p in $(group_pids "$SRV_PID"); do
		[ "$p" = "$SRV_PID" ] || args+=(-p "$p")
	done
	calls=accept4,accept,poll,epoll_wait,epoll_ctl
	calls+=,read,recvfrom,writev,sendfile,close
	strace -f -tt -e trace="$calls" -o "$out" "${args[@]}" 2>/dev/null &
	tracer=$!
	sleep 0.7   # strace attaches to every thread
	curl -s -o /dev/null --max-time 5 "http://127.0.0.1:$SRV_PORT$URL_PATH"
	sleep 0.3
	kill -INT "$tracer" 2>/dev/null
	wait "$tracer" 2>/dev/null
	# With -o and -f every line starts with the thread id.
	ACCEPT_TID="$(awk '/accept4?\(|<\.\.\. accept4? resumed>/ &&
		/ = [0-9]+$/ { print $1; exit }' "$out")"
	READ_TID="$(awk '/(recvfrom|read)\([0-9]+, "GET / { print $1; exit }' \
		"$out")"
	WRITE_TID="$(awk '/(writev|sendfile)\(/ { print $1; exit }' "$out")"
	EAGAIN="$(awk '/accept4?/ && /EAGAIN/ { n++ } END { print n + 0 }' \
		"$out")"
}

for mpm in $MPMS; do
	server_start "$mpm"
	sleep 1.5   # the master's first maintenance round
	page="$(status_auto)"
	printf '%s\n' "$page" >"$RESULTS/$mpm-status.txt"
	save_processes "$mpm"
	procs="$(server_procs "$SRV_PID")"
	threads="$(server_threads "$SRV_PID")"
	pss="$(server_pss_kib "$SRV_PID")"
	sb="$(status_value "$page" Scoreboard)"
	idle="$(status_value "$page" IdleWorkers)"
	busy="$(status_value "$page" BusyWorkers)"
	ACCEPT_TID=na READ_TID=na WRITE_TID=na EAGAIN=na
	if [ "$HAVE_STRACE" = 1 ]; then
		trace_one_request "$mpm"
		: "${ACCEPT_TID:=na}" "${READ_TID:=na}" "${WRITE_TID:=na}"
	fi
	accept_pid=na
	[ "$ACCEPT_TID" = na ] || accept_pid="$(process_of_tid "$ACCEPT_TID")"
	csv_row "$CSV" "$mpm" "$procs" "$threads" "$idle" "$busy" "${#sb}" \
		"$pss" "$accept_pid" "$ACCEPT_TID" "$READ_TID" "$WRITE_TID" \
		"$EAGAIN"
	csv_row "$LONG" "$mpm" processes "$procs"
	csv_row "$LONG" "$mpm" threads "$threads"
	csv_row "$LONG" "$mpm" "idle workers" "$idle"
	say "$mpm: $procs processes (master + $((procs - 1)) children)," \
	    "$threads threads, PSS $(kib_to_mib "$pss") MiB;" \
	    "scoreboard: $busy busy, $idle idle, ${#sb} slots"
	if [ "$HAVE_STRACE" = 1 ]; then
		say "  accept4 by   $(describe_tid "$ACCEPT_TID")"
		say "  request read $(describe_tid "$READ_TID")"
		say "  response by  $(describe_tid "$WRITE_TID")"
		say "  accept4 calls that found nothing (EAGAIN): $EAGAIN"
	fi
	server_stop "$SRV_PID"
done

plot -t bar -i "$LONG" -o "$RESULTS/at_rest.svg" -x what -y count -s mpm \
	-T "The three servers at rest (default configuration)" \
	-X "what /proc and the scoreboard count" \
	-Y "count (processes, threads, idle workers)"
lab_done
