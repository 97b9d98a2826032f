#!/usr/bin/env bash
# labs/perf/compare.sh - the kit's servers beside Apache httpd, nginx and the
# "limit" server, in one run, as ratios (issue 9's targets).
#
# What it teaches: a number alone says little on a shared 2-core machine; a
# ratio measured in the same run, under the same noise, says a lot. Each
# run starts every server in turn (same docroot, same capacity: 128 request
# workers, 4 children x 32 threads, Apache's keep-alive defaults), measures
# its memory at rest, then every scenario; the ratios are taken inside a
# run, and the medians over PERF_RUNS runs are printed. Then 03-event holds
# 10,000 idle keep-alive connections while 16 clients work. Where the time
# goes, and what each number means: labs/perf/README.md.
#
# Environment: PERF_SECONDS (per scenario, default 3), PERF_RUNS (default 3),
# PERF_OUT (folder for the CSVs, default labs/perf/results/HOST-DATE),
# PERF_SERVERS (a subset, e.g. "event nginx limit"), PERF_IDLE (idle
# connections of the last part, default 10000; 0 skips it), KIT_BIN.
# Uses labs/bench/peers.sh (and its configs) to run httpd and nginx.
set -u
cd "$(dirname "$0")/../.." || exit 1
ROOT=$PWD
HERE=$ROOT/labs/bench          # peers.sh looks for its configs there
KIT_BIN=${KIT_BIN:-.}
case $KIT_BIN in /*) ;; *) KIT_BIN=$ROOT/$KIT_BIN ;; esac
LOADGEN=$KIT_BIN/labs/tools/loadgen
LIMIT=$KIT_BIN/labs/perf/limit
SECS=${PERF_SECONDS:-3}
RUNS=${PERF_RUNS:-3}
IDLE=${PERF_IDLE:-10000}
OUT=${PERF_OUT:-$ROOT/labs/perf/results/$(hostname -s)-$(date +%Y%m%d-%H%M%S)}

WORKERS=128 THREADS_PER_CHILD=32 CHILDREN=4
SERVER_CORES=$(nproc)
NOTES=()
# Scenarios: id | loadgen options | file
SCENARIOS=(
	"ka-1|-c 1|/files/1k.txt"
	"ka-16|-c 16|/files/1k.txt"
	"ka-64|-c 64|/files/1k.txt"
	"ka-256|-c 256|/files/1k.txt"
	"close-16|-c 16 --close|/files/1k.txt"
	"close-64|-c 64 --close|/files/1k.txt"
	"1m-16|-c 16|/files/1m.bin"
)

say() { echo "perf: $*" >&2; }
[ -x "$LOADGEN" ] && [ -x "$LIMIT" ] || { say "run make first"; exit 2; }

RUN_DIR=$(mktemp -d /tmp/kit-perf.XXXXXX)
DOCROOT=$RUN_DIR/htdocs
mkdir -p "$DOCROOT/files" "$OUT"
cp "$ROOT/common/htdocs/files/1k.txt" "$DOCROOT/files/"
head -c 1048576 /dev/zero | tr '\0' 'x' >"$DOCROOT/files/1m.bin"
chmod -R a+rX "$RUN_DIR"        # httpd and nginx drop to nobody as root

# shellcheck source=../bench/peers.sh
. "$ROOT/labs/bench/peers.sh"
peers_find

SRV_PID="" SRV_PORT="" SRV_DIR=""

tree_pids() { # the process and all its descendants
	local all=" $1 " more=1 pid ppid
	while [ $more = 1 ]; do
		more=0
		while read -r pid ppid; do
			case $all in *" $pid "*) continue ;; esac
			case $all in *" $ppid "*) all+="$pid "; more=1 ;; esac
		done < <(ps -e -o pid=,ppid=)
	done
	echo $all
}

pss_kib() { # PSS of a process tree, KiB
	local pid sum=0 k
	for pid in $(tree_pids "$1"); do
		k=$(awk '/^Pss:/ { print $2 }' "/proc/$pid/smaps_rollup" 2>/dev/null)
		sum=$((sum + ${k:-0}))
	done
	echo $sum
}

at_rest() { # "PROCESSES,THREADS,PSS_KIB" of a server's tree
	local pids p threads=0
	pids=$(tree_pids "$1")
	for p in $pids; do
		threads=$((threads + $(ls "/proc/$p/task" 2>/dev/null | wc -l)))
	done
	echo "$(wc -w <<<"$pids"),$threads,$(pss_kib "$1")"
}

stop_server() {
	[ -n "$SRV_PID" ] || return 0
	kill -TERM -- "-$SRV_PID" 2>/dev/null
	for _ in $(seq 50); do
		kill -0 -- "-$SRV_PID" 2>/dev/null || break
		sleep 0.1
	done
	kill -KILL -- "-$SRV_PID" 2>/dev/null
	wait "$SRV_PID" 2>/dev/null
	SRV_PID=""
}
trap 'stop_server; [ -n "${PERF_KEEP:-}" ] || rm -rf "$RUN_DIR"' EXIT
trap 'exit 130' INT TERM

kit_dir() { case $1 in prefork) echo 01-prefork ;; worker) echo 02-worker ;; event) echo 03-event ;; esac; }

# The command line of a server, with @PORT@ and @DIR@ still in it.
server_command() { # NAME [EXTRA DIRECTIVE...]
	local name=$1 cap d
	shift
	case $name in
	prefork)
		cap=(-c "StartServers $WORKERS" -c 'MinSpareServers 5'
			-c "MaxSpareServers $WORKERS" -c "ServerLimit $WORKERS"
			-c "MaxRequestWorkers $WORKERS") ;;
	worker | event)
		cap=(-c "StartServers $CHILDREN" -c "ServerLimit $CHILDREN"
			-c "ThreadsPerChild $THREADS_PER_CHILD"
			-c "ThreadLimit $THREADS_PER_CHILD"
			-c "MinSpareThreads $THREADS_PER_CHILD"
			-c "MaxSpareThreads $WORKERS" -c "MaxRequestWorkers $WORKERS") ;;
	esac
	case $name in
	prefork | worker | event)
		printf '%s\n' "$KIT_BIN/$(kit_dir "$name")/$name" \
			-c 'Listen 127.0.0.1:@PORT@' -c 'ErrorLog @DIR@/error.log' \
			-c 'PidFile @DIR@/pid' -c "DocumentRoot $DOCROOT" \
			-c 'KeepAlive On' -c 'KeepAliveTimeout 5' \
			-c 'MaxKeepAliveRequests 100' "${cap[@]}"
		for d in "$@"; do printf '%s\n' -c "$d"; done ;;
	limit) printf '%s\n' "$LIMIT" @PORT@ ;;
	httpd-*) printf '%s\n' "$HTTPD_BIN" -f @DIR@/httpd.conf -DFOREGROUND ;;
	nginx) printf '%s\n' "$NGINX_BIN" -p @DIR@/ -c @DIR@/nginx.conf -e @DIR@/error.log ;;
	esac
}

wait_ready() { # NAME: answers, and all 128 workers exist where it tells
	local deadline=$((SECONDS + 20)) auto n
	until curl -s -o /dev/null --max-time 1 "http://127.0.0.1:$SRV_PORT/files/1k.txt"; do
		kill -0 "$SRV_PID" 2>/dev/null && [ $SECONDS -lt $deadline ] || return 1
		sleep 0.1
	done
	case $1 in limit | nginx) sleep 1; return 0 ;; esac
	while [ $SECONDS -lt $deadline ]; do
		auto=$(curl -s --max-time 1 "http://127.0.0.1:$SRV_PORT/server-status?auto")
		n=$(awk -F': ' '$1 == "BusyWorkers" || $1 == "IdleWorkers" { s += $2 } END { print s + 0 }' <<<"$auto")
		[ "$n" -ge $WORKERS ] && { sleep 1; return 0; }
		sleep 0.2
	done
	return 0
}

# Retries on another port when the one picked was taken meanwhile.
start_server() { # NAME [EXTRA DIRECTIVE...]
	local try
	for try in 1 2 3; do
		start_once "$@" && return 0
		grep -qi 'in use' "$SRV_DIR"/stderr "$SRV_DIR"/*.log 2>/dev/null || break
	done
	say "$1 did not start:"; tail -n 3 "$SRV_DIR"/stderr "$SRV_DIR"/*.log >&2
	return 1
}

start_once() {
	local name=$1 a args=()
	SRV_PORT=$((20000 + RANDOM % 40000))
	SRV_DIR=$RUN_DIR/$name
	rm -rf "$SRV_DIR" && mkdir -p "$SRV_DIR"
	case $name in
	httpd-*) HTTPD_MPM=${name#httpd-}; prepare_httpd ;;
	nginx) prepare_nginx ;;
	esac
	while IFS= read -r a; do
		a=${a//@PORT@/$SRV_PORT}
		args+=("${a//@DIR@/$SRV_DIR}")
	done < <(server_command "$@")
	printf "%s\n" "${args[@]}" >"$SRV_DIR/cmdline"
	(ulimit -n "$(ulimit -Hn)"; exec setsid "${args[@]}" </dev/null \
		>"$SRV_DIR/stdout" 2>"$SRV_DIR/stderr") &
	SRV_PID=$!
	wait_ready "$name" && return 0
	stop_server
	return 1
}

loadgen() { # OPTIONS... URL: one CSV row
	"$LOADGEN" --csv -q "$@" | tail -n 1
}

# ---- the comparison runs ----------------------------------------------

SERVERS=(prefork worker event limit "${PEER_NAMES[@]}")
[ -n "${PERF_SERVERS:-}" ] && read -ra SERVERS <<<"$PERF_SERVERS"
RAW=$OUT/raw.csv MEM=$OUT/memory.csv
echo "run,server,scenario,req_per_s,p99_ms,errors" >"$RAW"
echo "run,server,processes,threads,pss_kib" >"$MEM"
say "$(nproc) cores ($(awk -F': ' '/^model name/ { print $2; exit }' /proc/cpuinfo)), kernel $(uname -r); server and loadgen share the cores"
say "servers: ${SERVERS[*]}; $RUNS runs of ${SECS} s per scenario"
for run in $(seq "$RUNS"); do
	for s in "${SERVERS[@]}"; do
		start_server "$s" || continue
		echo "$run,$s,$(at_rest "$SRV_PID")" >>"$MEM"
		for sc in "${SCENARIOS[@]}"; do
			IFS='|' read -r id opts path <<<"$sc"
			[ "$s" = limit ] && [ "$path" != /files/1k.txt ] && continue
			# shellcheck disable=SC2086
			row=$(loadgen $opts -w 1 -d "$SECS" "http://127.0.0.1:$SRV_PORT$path")
			awk -F, -v r="$run" -v s="$s" -v id="$id" '{ print r "," s "," id "," $9 "," $13 "," $17 }' <<<"$row" >>"$RAW"
			say "run $run $s $id: $(cut -d, -f9 <<<"$row") req/s, p99 $(cut -d, -f13 <<<"$row") ms"
		done
		stop_server
	done
done

# ---- wrk beside loadgen: is the load generator the bottleneck? --------

WRK=$OUT/wrk.txt
if command -v wrk >/dev/null; then
	for s in limit event; do
		start_server "$s" || continue
		for i in 1 2 3; do
			echo "$s loadgen $(loadgen -c 64 -t 2 -w 1 -d "$SECS" "http://127.0.0.1:$SRV_PORT/files/1k.txt" | cut -d, -f9)"
			echo "$s wrk $(wrk -t 2 -c 64 -d "${SECS}s" "http://127.0.0.1:$SRV_PORT/files/1k.txt" | awk '/^Requests\/sec/ { print $2 }')"
		done >>"$WRK"
		stop_server
	done
else
	echo "wrk not installed" >"$WRK"
fi

# ---- 10,000 idle keep-alive connections on 03-event --------------------

IDLE_CSV=$OUT/idle.csv
if [ "$IDLE" -gt 0 ]; then
	# 4 children x (32 + factor x 32) must hold them all (Apache's limit
	# with the default factor 2 is 96 a child), and they must outlive the
	# test: KeepAliveTimeout 300.
	start_server event 'AsyncRequestWorkerFactor 100' 'KeepAliveTimeout 300' || exit 1
	URL=http://127.0.0.1:$SRV_PORT/files/1k.txt
	echo "phase,req_per_s,p99_ms,pss_kib,conns" >"$IDLE_CSV"
	conns() { curl -s "http://127.0.0.1:$SRV_PORT/server-status?auto" | awk -F': ' '$1 == "ConnsTotal" { print $2 }'; }
	for i in 1 2 3; do
		row=$(loadgen -c 16 -w 1 -d "$SECS" "$URL")
		echo "none-idle,$(cut -d, -f9 <<<"$row"),$(cut -d, -f13 <<<"$row"),$(pss_kib "$SRV_PID"),$(conns)" >>"$IDLE_CSV"
	done
	(ulimit -n "$(ulimit -Hn)"; exec "$LOADGEN" -q --idle "$IDLE" -d $((SECS * 3 + 60)) "$URL") >/dev/null 2>&1 &
	IDLE_PID=$!
	for _ in $(seq 60); do
		[ "$(conns)" -ge "$IDLE" ] 2>/dev/null && break
		sleep 0.5
	done
	sleep 2
	echo "idle-held,,,$(pss_kib "$SRV_PID"),$(conns)" >>"$IDLE_CSV"
	for i in 1 2 3; do
		row=$(loadgen -c 16 -w 1 -d "$SECS" "$URL")
		echo "with-idle,$(cut -d, -f9 <<<"$row"),$(cut -d, -f13 <<<"$row"),$(pss_kib "$SRV_PID"),$(conns)" >>"$IDLE_CSV"
	done
	kill "$IDLE_PID" 2>/dev/null
	wait "$IDLE_PID" 2>/dev/null
	stop_server
fi

labs/perf/report.sh "$OUT"
