#!/usr/bin/env bash
# labs/bench/bench.sh - `make bench`: the three MPMs side by side, measured
# on this machine, as a table, a CSV and an SVG chart.
#
# What it teaches: a fair comparison holds everything but the thing compared
# constant. Every server gets the same file (common/htdocs/files/1k.txt),
# the same capacity (128 request workers: 128 prefork children, or 4
# children of 32 threads), the same keep-alive settings (Apache's defaults:
# KeepAliveTimeout 5, MaxKeepAliveRequests 100) and the same client, and
# the conditions (CPU, cores, kernel, compiler, core placement) are written
# down with the numbers. The last scenario is the kit's main lesson: 256
# idle keep-alive connections held open while 16 clients work. Prefork and
# worker give one process or thread to each idle connection until
# KeepAliveTimeout; event parks them in epoll.
#
# Environment (the Makefile passes these): BENCH_SECONDS (seconds measured
# per scenario, default 4), QUICK=1 (1 s per scenario, for CI), PEERS=1
# (also Apache httpd's three MPMs and nginx, when installed), BENCH_OUT
# (output folder, default results/HOST-DATE), KIT_BIN (where the servers
# are), CC (the compiler, to record its version). labs/bench/README.md has
# the details; labs/tools/README.md describes loadgen.
set -u
cd "$(dirname "$0")/../.." || exit 1
ROOT=$PWD
HERE=$ROOT/labs/bench

KIT_BIN=${KIT_BIN:-.}
case $KIT_BIN in /*) ;; *) KIT_BIN=$ROOT/$KIT_BIN ;; esac
LOADGEN=$KIT_BIN/labs/tools/loadgen
DOCROOT=$ROOT/common/htdocs
TARGET_PATH=/files/1k.txt

WORKERS=128          # MaxRequestWorkers of every server
THREADS_PER_CHILD=32 # worker/event: WORKERS / THREADS_PER_CHILD children
IDLE=256             # idle keep-alive connections in the last scenario

if [ -n "${QUICK:-}" ] && [ "${QUICK:-0}" != 0 ]; then
	SECONDS_EACH=${BENCH_SECONDS:-1}
else
	SECONDS_EACH=${BENCH_SECONDS:-4}
fi
if ! [[ $SECONDS_EACH =~ ^[0-9]+$ ]] || [ "$SECONDS_EACH" -lt 1 ]; then
	echo "bench: BENCH_SECONDS=$SECONDS_EACH is not a whole number of seconds >= 1" >&2
	exit 2
fi
# A warm-up lets connections (and the idle holders) settle before counting.
if [ "$SECONDS_EACH" -le 1 ]; then WARMUP=0.5; else WARMUP=1; fi

# Scenarios: id, loadgen options, description for the table.
SCENARIOS=(
	"ka-1|-c 1|keep-alive, 1 client"
	"ka-16|-c 16|keep-alive, 16 clients"
	"ka-128|-c 128|keep-alive, 128 clients"
	"close-16|-c 16 --close|new connection per request, 16 clients"
	"idle-$IDLE|-c 16 --idle $IDLE|16 clients + $IDLE idle keep-alive"
)

say() { echo "bench: $*" >&2; }

# ---- the machine, and where server and client run ----

# The cores this process may use (a container or taskset may allow only
# some), one number a line, from the kernel's list such as "0-3,8".
allowed_cpus() {
	awk -F':[ \t]*' '/^Cpus_allowed_list/ {
		n = split($2, parts, ",")
		for (i = 1; i <= n; i++) {
			if (split(parts[i], r, "-") == 1) r[2] = r[1]
			for (c = r[1] + 0; c <= r[2] + 0; c++) print c
		}
	}' /proc/self/status 2>/dev/null
}

mapfile -t CPU_LIST < <(allowed_cpus)
CORES=${#CPU_LIST[@]}
[ "$CORES" -gt 0 ] || { CORES=$(nproc 2>/dev/null || echo 1); CPU_LIST=(); }
SERVER_CPUS="" CLIENT_CPUS=""
if [ "$CORES" -ge 4 ] && [ "${#CPU_LIST[@]}" -eq "$CORES" ] &&
   command -v taskset >/dev/null; then
	half=$((CORES / 2))
	SERVER_CPUS=$(IFS=,; echo "${CPU_LIST[*]:0:half}")
	CLIENT_CPUS=$(IFS=,; echo "${CPU_LIST[*]:half}")
	PLACEMENT="server pinned to cores $SERVER_CPUS, loadgen to cores $CLIENT_CPUS (taskset)"
	CLIENT_THREADS=$((CORES - half))
	SERVER_CORES=$half
else
	PLACEMENT="server and loadgen share all $CORES cores (too few to pin them apart)"
	CLIENT_THREADS=$CORES
	SERVER_CORES=$CORES
fi
[ "$CLIENT_THREADS" -le 4 ] || CLIENT_THREADS=4

on_cpus() { # CPUS CMD...: run CMD on those cores, or anywhere if CPUS is ""
	local cpus=$1
	shift
	if [ -n "$cpus" ]; then taskset -c "$cpus" "$@"; else "$@"; fi
}

cpu_model() {
	awk -F': *' '/^model name/ { print $2; exit }' /proc/cpuinfo 2>/dev/null |
		grep . || uname -m
}

# ---- the server's processes ----

# The master and all its descendants, one pid a line (zombies left out).
tree_pids() {
	ps -e -o pid=,ppid=,stat= | awk -v root="$1" '
		$3 !~ /^Z/ { parent[$1] = $2; n++; pid[n] = $1 }
		END {
			if (!(root in parent)) exit
			keep[root] = 1
			do {
				more = 0
				for (i = 1; i <= n; i++)
					if (!(pid[i] in keep) && (parent[pid[i]] in keep)) {
						keep[pid[i]] = 1; more = 1
					}
			} while (more)
			for (p in keep) print p
		}'
}

# "PROCESSES THREADS PSS_MIB" of the whole server: PSS counts each shared
# page once in all, split between the processes sharing it, so the sum is
# what the server really costs in memory.
measure_server() {
	local pid procs=0 threads=0 kib=0 t k

	for pid in $(tree_pids "$1"); do
		t=$(awk '/^Threads:/ { print $2 }' "/proc/$pid/status" 2>/dev/null)
		if [ -r "/proc/$pid/smaps_rollup" ]; then
			k=$(awk '/^Pss:/ { print $2 }' "/proc/$pid/smaps_rollup" 2>/dev/null)
		else
			k=$(awk '/^Pss:/ { s += $2 } END { print s + 0 }' "/proc/$pid/smaps" 2>/dev/null)
		fi
		[ -n "$t" ] || continue
		procs=$((procs + 1))
		threads=$((threads + t))
		kib=$((kib + ${k:-0}))
	done
	awk -v p="$procs" -v t="$threads" -v k="$kib" 'BEGIN { printf "%d %d %.1f\n", p, t, k / 1024 }'
}

port_in_use() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

pick_port() {
	local p i
	for i in $(seq 20); do
		p=$((20000 + RANDOM % 40001))
		port_in_use "$p" || { echo "$p"; return 0; }
	done
	return 1
}

SRV_PID="" SRV_PORT="" SRV_DIR="" RUN_DIR="" OUT=""

# Wait until the server answers the file, then (for the kit's servers)
# until all WORKERS workers exist, so that no scenario measures start-up.
wait_ready() { # STATUS_TOO
	local deadline=$((SECONDS + 15)) auto busy idle

	until curl -s -o /dev/null --max-time 1 "http://127.0.0.1:$SRV_PORT$TARGET_PATH"; do
		kill -0 "$SRV_PID" 2>/dev/null || return 1
		[ "$SECONDS" -lt "$deadline" ] || return 1
		sleep 0.1
	done
	[ "$1" = status ] || { sleep 1; return 0; }
	while [ "$SECONDS" -lt "$deadline" ]; do
		auto=$(curl -s --max-time 1 "http://127.0.0.1:$SRV_PORT/server-status?auto")
		busy=$(awk -F': ' '$1 == "BusyWorkers" { print $2 }' <<<"$auto")
		idle=$(awk -F': ' '$1 == "IdleWorkers" { print $2 }' <<<"$auto")
		[ $(( ${busy:-0} + ${idle:-0} )) -ge "$WORKERS" ] && return 0
		sleep 0.2
	done
	say "  (not all $WORKERS workers were up after 15 s; measuring anyway)"
	return 0
}

# start_server NAME READY PREPARE CMD...: run CMD (which must not
# daemonize) in its own session on the cores for servers; @PORT@ and @DIR@
# in its arguments become the port and the run folder. PREPARE (a function,
# or -) runs first, once both are known, to write a configuration file.
# Retries on another port if the one picked was taken meanwhile.
start_server() {
	local name=$1 ready=$2 prepare=$3 attempt a args pidfile
	shift 3

	for attempt in 1 2 3; do
		SRV_PORT=$(pick_port) || return 1
		SRV_DIR=$RUN_DIR/$name
		rm -rf "$SRV_DIR"
		mkdir -p "$SRV_DIR"
		[ "$prepare" = - ] || "$prepare" || return 1
		args=()
		for a in "$@"; do
			a=${a//@PORT@/$SRV_PORT}
			args+=("${a//@DIR@/$SRV_DIR}")
		done
		# Started directly (not from a function in the background,
		# which would put a subshell between us and the server), so
		# that $! is the server: taskset and setsid exec it.
		[ -z "$SERVER_CPUS" ] || args=(taskset -c "$SERVER_CPUS" "${args[@]}")
		setsid "${args[@]}" </dev/null >"$SRV_DIR/stdout" 2>"$SRV_DIR/stderr" &
		SRV_PID=$!
		if wait_ready "$ready"; then
			# The pid file is the truth, should setsid have forked.
			pidfile=$(ls "$SRV_DIR"/*pid 2>/dev/null | head -n 1)
			[ -s "$pidfile" ] && SRV_PID=$(cat "$pidfile")
			return 0
		fi
		if grep -qi 'in use' "$SRV_DIR"/stderr "$SRV_DIR"/*.log 2>/dev/null; then
			stop_server quiet
			continue
		fi
		break
	done
	say "  $name did not start; its last messages:"
	tail -n 5 "$SRV_DIR"/stderr "$SRV_DIR"/*.log 2>/dev/null | sed 's/^/    /' >&2
	stop_server quiet
	return 1
}

# TERM to the server's process group, KILL after 5 s if anything is left.
stop_server() {
	local pid=$SRV_PID deadline

	[ -n "$pid" ] || return 0
	SRV_PID=""
	kill -TERM -- "-$pid" 2>/dev/null
	deadline=$((SECONDS + 5))
	while [ -n "$(tree_pids "$pid")" ] && [ "$SECONDS" -lt "$deadline" ]; do
		sleep 0.1
	done
	if [ -n "$(tree_pids "$pid")" ]; then
		[ "${1:-}" = quiet ] || say "  still running 5 s after TERM: killed"
		kill -KILL -- "-$pid" 2>/dev/null
	fi
	wait "$pid" 2>/dev/null
	# Keep its error log with the results.
	[ -s "$SRV_DIR/error.log" ] && cp "$SRV_DIR/error.log" "$OUT/logs/$(basename "$SRV_DIR").error.log"
	return 0
}

trap 'stop_server quiet; rm -rf "$RUN_DIR"' EXIT
trap 'say "interrupted"; exit 130' INT TERM

# ---- the servers ----

# Directives shared by the kit's three servers, then each one's capacity.
KIT_COMMON=(-c 'Listen 127.0.0.1:@PORT@' -c 'ErrorLog @DIR@/error.log'
	-c 'PidFile @DIR@/pid' -c "DocumentRoot $DOCROOT"
	-c 'KeepAlive On' -c 'KeepAliveTimeout 5' -c 'MaxKeepAliveRequests 100')
CHILDREN=$((WORKERS / THREADS_PER_CHILD))
PREFORK_SET="StartServers $WORKERS, MinSpareServers 5, MaxSpareServers $WORKERS, ServerLimit $WORKERS, MaxRequestWorkers $WORKERS"
THREADED_SET="StartServers $CHILDREN, ServerLimit $CHILDREN, ThreadsPerChild $THREADS_PER_CHILD, ThreadLimit $THREADS_PER_CHILD, MinSpareThreads $THREADS_PER_CHILD, MaxSpareThreads $WORKERS, MaxRequestWorkers $WORKERS"

directives() { # "A 1, B 2" -> -c 'A 1' -c 'B 2'
	local IFS=,
	local d
	for d in $1; do printf '%s\n' -c "${d# }"; done
}

kit_command() { # MPM -> the command line, one word a line
	local dir
	case $1 in
	prefork) dir=01-prefork; set -- "$1" "$PREFORK_SET" ;;
	worker) dir=02-worker; set -- "$1" "$THREADED_SET" ;;
	event) dir=03-event; set -- "$1" "$THREADED_SET" ;;
	esac
	printf '%s\n' "$KIT_BIN/$dir/$1" "${KIT_COMMON[@]}"
	directives "$2"
}

. "$HERE/peers.sh"

# ---- running it ----

LOADGEN_COLUMNS=""
ROWS=0

# run_scenario SERVER ID OPTIONS DESCRIPTION N TOTAL
run_scenario() {
	local server=$1 id=$2 opts=$3 desc=$4 out mem lg_pid row
	local mid

	out=$RUN_DIR/loadgen.csv
	# shellcheck disable=SC2086 # opts is a list of options
	on_cpus "$CLIENT_CPUS" "$LOADGEN" $opts -t "$CLIENT_THREADS" \
		-w "$WARMUP" -d "$SECONDS_EACH" --csv -q \
		"http://127.0.0.1:$SRV_PORT$TARGET_PATH" >"$out" 2>"$RUN_DIR/loadgen.err" &
	lg_pid=$!
	# Memory and processes halfway through the measured part.
	mid=$(awk -v w="$WARMUP" -v s="$SECONDS_EACH" 'BEGIN { print w + s / 2 }')
	sleep "$mid"
	mem=$(measure_server "$SRV_PID")
	wait "$lg_pid"
	if [ "$(wc -l <"$out")" -ne 2 ]; then
		say "  loadgen failed: $(head -n 3 "$RUN_DIR/loadgen.err")"
		return 1
	fi
	[ -n "$LOADGEN_COLUMNS" ] || {
		LOADGEN_COLUMNS=$(head -n 1 "$out")
		echo "server,scenario,server_processes,server_threads,server_pss_mib,$LOADGEN_COLUMNS" >"$CSV"
	}
	row="$server,$id,${mem// /,},$(tail -n 1 "$out")"
	echo "$row" >>"$CSV"
	echo "$id|$desc" >>"$RUN_DIR/descriptions"
	ROWS=$((ROWS + 1))
	printf '%s\n%s\n' "$(head -n 1 "$CSV")" "$row" | awk -F, -v n="$5/$6" -v d="$desc" '
		NR == 1 { for (i = 1; i <= NF; i++) c[$i] = i; next }
		{ printf "bench: [%s] %-13s %-38s %7.0f req/s, p99 %7.2f ms, %d errors, %d/%d processes/threads, %.1f MiB\n",
			n, $c["server"], d, $c["req_per_s"], $c["p99_ms"], $c["errors"],
			$c["server_processes"], $c["server_threads"], $c["server_pss_mib"] }' >&2
}

bench_server() { # NAME READY PREPARE CMD...
	local name=$1 s id opts desc
	local -a parts

	say "starting $name"
	start_server "$@" || { NOTES+=("$name: did not start (see above); skipped"); STEP=$((STEP + ${#SCENARIOS[@]})); return; }
	for s in "${SCENARIOS[@]}"; do
		IFS='|' read -r -a parts <<<"$s"
		id=${parts[0]} opts=${parts[1]} desc=${parts[2]}
		STEP=$((STEP + 1))
		run_scenario "$name" "$id" "$opts" "$desc" "$STEP" "$TOTAL_STEPS" ||
			NOTES+=("$name $id: loadgen failed")
	done
	stop_server
}

main() {
	local host date mpm cmd
	local -a list

	[ -x "$LOADGEN" ] || { echo "bench: no $LOADGEN: run make first" >&2; exit 1; }
	host=$(hostname -s 2>/dev/null || hostname)
	date=$(date +%Y-%m-%d-%H%M%S)
	OUT=${BENCH_OUT:-$ROOT/results/$host-$date}
	mkdir -p "$OUT/logs" || exit 1
	OUT=$(cd "$OUT" && pwd)
	RUN_DIR=$(mktemp -d "${TMPDIR:-/tmp}/kit-bench.XXXXXX") || exit 1
	CSV=$OUT/bench.csv
	NOTES=()
	STEP=0

	SERVERS_TO_RUN=()
	for mpm in prefork worker event; do
		cmd=$(kit_command "$mpm" | head -n 1)
		if [ -x "$cmd" ]; then
			SERVERS_TO_RUN+=("$mpm")
		else
			NOTES+=("$mpm: $cmd is not built; skipped")
		fi
	done
	[ -n "${PEERS:-}" ] && [ "${PEERS:-0}" != 0 ] && peers_find
	TOTAL_STEPS=$(( (${#SERVERS_TO_RUN[@]} + ${#PEER_NAMES[@]}) * ${#SCENARIOS[@]} ))
	say "$((TOTAL_STEPS)) runs of ${SECONDS_EACH} s (+ $WARMUP s warm-up) on $CORES cores; $PLACEMENT"

	for mpm in "${SERVERS_TO_RUN[@]}"; do
		mapfile -t list < <(kit_command "$mpm")
		bench_server "$mpm" status - "${list[@]}"
	done
	peers_run

	write_report "$host"
	[ "$ROWS" -gt 0 ] || { say "nothing was measured"; exit 1; }
}

. "$HERE/report.sh"
main "$@"
