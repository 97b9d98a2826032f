#!/usr/bin/env bash
# labs/bench/bench.sh - `make bench`: the three MPMs side by side, measured
# on this machine, as a table, a CSV and an SVG chart; with PEERS=1, beside
# Apache httpd's three MPMs and nginx, with LIMIT=1 beside the "limit"
# server (the least any server can do here), and the ratios between them.
#
# What it teaches: a fair comparison holds everything but the thing compared
# constant. Every server gets the same files (a docroot made for the run:
# files/1k.txt and a 1 MiB files/1m.bin), the same capacity (128 request
# workers: 128 prefork children, or 4 children of 32 threads), the same
# keep-alive settings (Apache's defaults: KeepAliveTimeout 5,
# MaxKeepAliveRequests 100) and the same client, and the conditions (CPU,
# cores, kernel, compiler, core placement) are written down with the
# numbers. On a noisy machine one run proves little: BENCH_RUNS=R repeats
# the whole list of servers R times (round 1 all servers, round 2 all
# servers, ...) so that drift hits every server alike; the table shows
# medians, and a ratio between two servers is taken inside one round before
# the median of the rounds is. The last scenario is the kit's main lesson:
# 256 idle keep-alive connections held open while 16 clients work. Prefork
# and worker give one process or thread to each idle connection until
# KeepAliveTimeout; event parks them in epoll.
#
# Environment (the Makefile passes these): BENCH_SECONDS (seconds measured
# per scenario, default 4), BENCH_RUNS (rounds, default 1), QUICK=1 (1 s per
# scenario, for CI), PEERS=1 (also Apache httpd's three MPMs and nginx, when
# installed), LIMIT=1 (also labs/bench/limit), BENCH_WRK=1 (loadgen beside
# wrk, when installed), BENCH_HOLD=N (then N idle keep-alive connections on
# event while 16 clients work), BENCH_OUT (output folder, default
# results/HOST-DATE), KIT_BIN (where the servers are), CC (the compiler, to
# record its version), PLAN=1 (print the placement and loadgen's threads,
# for this machine or with CORES=N for another, and run nothing).
# `make perf` is the preset PEERS=1 LIMIT=1
# BENCH_RUNS=3 BENCH_SECONDS=3 BENCH_WRK=1 BENCH_HOLD=10000.
# labs/bench/README.md has the details; labs/tools/README.md describes
# loadgen.
set -u
cd "$(dirname "$0")/../.." || exit 1
ROOT=$PWD
HERE=$ROOT/labs/bench

# The kit's shell library: kit_binary, kit_start, kit_stop, group_pids,
# kit_threads, kit_pss_kib.
# shellcheck source=common/kit.sh
. "$ROOT/common/kit.sh"
KIT_BIN=$(kit_path "${KIT_BIN:-.}")
LOADGEN=$KIT_BIN/labs/tools/loadgen
LIMIT_BIN=$KIT_BIN/labs/bench/limit
SMALL=/files/1k.txt  # the docroot's two files, made by make_docroot
LARGE=/files/1m.bin

WORKERS=128          # MaxRequestWorkers of every server
THREADS_PER_CHILD=32 # worker/event: WORKERS / THREADS_PER_CHILD children
IDLE=256             # idle keep-alive connections in the last scenario

say() { echo "bench: $*" >&2; }

# A setting that must be a whole number >= 1, checked before anything runs.
whole_number() { # NAME VALUE WHAT
	[[ $2 =~ ^[1-9][0-9]*$ ]] && return 0
	say "$1=$2 is not a whole number of $3 >= 1"
	exit 2
}

if [ -n "${QUICK:-}" ] && [ "${QUICK:-0}" != 0 ]; then
	SECONDS_EACH=${BENCH_SECONDS:-1}
else
	SECONDS_EACH=${BENCH_SECONDS:-4}
fi
whole_number BENCH_SECONDS "$SECONDS_EACH" seconds
RUNS=${BENCH_RUNS:-1}
whole_number BENCH_RUNS "$RUNS" runs
HOLD=${BENCH_HOLD:-0}
[ "$HOLD" = 0 ] || whole_number BENCH_HOLD "$HOLD" connections
on() { [ -n "${1:-}" ] && [ "$1" != 0 ]; } # a yes/no setting: 1 is yes
# A warm-up lets connections (and the idle holders) settle before counting.
if [ "$SECONDS_EACH" -le 1 ]; then WARMUP=0.5; else WARMUP=1; fi

# Scenarios: id | loadgen options | path | description for the table.
# idle-256 comes last: whatever it leaves behind (workers still tied to
# idle connections) can then not spoil another scenario.
SCENARIOS=(
	"ka-1|-c 1|$SMALL|keep-alive, 1 client"
	"ka-16|-c 16|$SMALL|keep-alive, 16 clients"
	"ka-64|-c 64|$SMALL|keep-alive, 64 clients"
	"ka-256|-c 256|$SMALL|keep-alive, 256 clients"
	"close-16|-c 16 --close|$SMALL|new connection per request, 16 clients"
	"close-64|-c 64 --close|$SMALL|new connection per request, 64 clients"
	"1m-16|-c 16|$LARGE|1 MiB file, keep-alive, 16 clients"
	"idle-$IDLE|-c 16 --idle $IDLE|$SMALL|16 clients + $IDLE idle keep-alive"
)


# ---- the machine, and where server and client run ----

# place CPU...: where server and loadgen run, given the cores allowed.
# With 4 or more, the kit's rule (kit_split_cpus in common/kit.sh, the
# labs' too): loadgen gets the first half of the cores, with one thread
# per core it is pinned to, and the server the rest. With fewer, both
# share every core and loadgen runs one thread per core: split, loadgen's
# one core would cap every server at about the same rate, and the table
# would compare little; bench.md says they were not pinned apart.
place() {
	CORES=$#
	SERVER_CPUS="" CLIENT_CPUS=""
	if [ "$CORES" -ge 4 ] && [ "$PINNABLE" = 1 ]; then
		kit_split_cpus "$@"
		SERVER_CPUS=$KIT_SERVER_CPUS CLIENT_CPUS=$KIT_CLIENT_CPUS
		SERVER_CORES=$KIT_SERVER_CORES
		CLIENT_THREADS=$KIT_LOADGEN_THREADS
		PLACEMENT_SHORT="loadgen on cores $CLIENT_CPUS ($CLIENT_THREADS threads), server on $SERVER_CPUS"
		PLACEMENT="loadgen pinned to $KIT_CLIENT_CORES cores ($CLIENT_CPUS) with $CLIENT_THREADS threads, the server to the other $SERVER_CORES ($SERVER_CPUS) (taskset)"
	else
		SERVER_CORES=$CORES # nginx's worker_processes (peers.sh)
		CLIENT_THREADS=$(kit_loadgen_threads "$CORES")
		PLACEMENT_SHORT="server and loadgen share the $CORES cores"
		PLACEMENT="server and loadgen share all $CORES cores ($WHY_NOT_PINNED), loadgen with $CLIENT_THREADS threads"
	fi
}

PINNABLE=1 WHY_NOT_PINNED="fewer than 4: too few to pin them apart"
command -v taskset >/dev/null ||
	PINNABLE=0 WHY_NOT_PINNED="no taskset to pin them apart"
if on "${PLAN:-}" && [ -n "${CORES:-}" ]; then
	# A dry run for another machine: PLAN=1 CORES=N.
	whole_number CORES "$CORES" cores
	mapfile -t CPU_LIST < <(seq 0 $((CORES - 1)))
	PINNABLE=1
else
	mapfile -t CPU_LIST < <(kit_allowed_cpus)
fi
place "${CPU_LIST[@]}"
if on "${PLAN:-}"; then
	echo "bench plan: $CORES cores; $PLACEMENT"
	echo "bench plan: ${#SCENARIOS[@]} scenarios x $RUNS rounds, $WARMUP s warm-up + $SECONDS_EACH s each, per server"
	exit 0
fi

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

# "PROCESSES THREADS PSS_MIB" of the whole server, its process group
# (common/kit.sh): PSS counts each shared page once in all, split between
# the processes sharing it, so the sum is what the server really costs.
measure_server() {
	local pids

	pids=$(group_pids "$1")
	# shellcheck disable=SC2086 # one pid a word
	awk -v p="$(wc -w <<<"$pids")" -v t="$(kit_threads $pids)" \
		-v k="$(kit_pss_kib $pids)" \
		'BEGIN { printf "%d %d %.1f\n", p, t, k / 1024 }'
}

SRV_PID="" SRV_PORT="" SRV_DIR="" RUN_DIR="" OUT=""

# Wait until the server answers the file, then (for the kit's servers)
# until all WORKERS workers exist, so that no scenario measures start-up.
# READY_KIND: "status" (it has /server-status) or "plain".
READY_KIND=plain
wait_ready() {
	local deadline=$((SECONDS + 15)) auto busy idle

	SRV_PORT=$KIT_PORT SRV_PID=$KIT_PID
	kit_wait_port "$SRV_PORT" "$SRV_PID" 15 "$SMALL" || return 1
	[ "$READY_KIND" = status ] || { sleep 1; return 0; }
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

# Before each attempt: the server's folder, emptied, and its config
# written by PREPARE (a function, or -) once the port is known.
PREPARE=-
prepare_attempt() {
	SRV_PORT=$KIT_PORT
	rm -rf "$SRV_DIR"
	mkdir -p "$SRV_DIR"
	[ "$PREPARE" = - ] || "$PREPARE"
}

# start_server NAME READY PREPARE CMD...: run CMD (which must not
# daemonize) in its own session on the cores for servers (kit_start);
# @PORT@ and @DIR@ in its arguments become the port and the run folder.
# A kit server (and the limit server) whose port was taken meanwhile exits
# with status 3 and is started again on another port; httpd and nginx
# have no such status, and pick_port's check before is all they get.
start_server() {
	local name=$1 a args=() pidfile
	shift
	READY_KIND=$1 PREPARE=$2
	shift 2
	SRV_DIR=$RUN_DIR/$name
	for a in "$@"; do
		args+=("${a//@DIR@/$SRV_DIR}")
	done
	SRV_PID=""
	if kit_start -o "$SRV_DIR/stdout" -e "$SRV_DIR/stderr" \
		-c "$SERVER_CPUS" -b prepare_attempt -r wait_ready -- "${args[@]}"
	then
		SRV_PID=$KIT_PID SRV_PORT=$KIT_PORT
		# The pid file is the truth, should setsid have forked.
		pidfile=$(ls "$SRV_DIR"/*pid 2>/dev/null | head -n 1)
		[ -s "$pidfile" ] && SRV_PID=$(cat "$pidfile")
		return 0
	fi
	say "  $name did not start ($KIT_WHY); its last messages:"
	tail -n 5 "$SRV_DIR"/stderr "$SRV_DIR"/*.log 2>/dev/null | sed 's/^/    /' >&2
	return 1
}

# TERM to the server's process group, KILL after 5 s if anything is left.
stop_server() {
	local pid=$SRV_PID

	[ -n "$pid" ] || return 0
	SRV_PID=""
	kit_stop "$pid" 5 ||
		[ "${1:-}" = quiet ] || say "  still running 5 s after TERM: killed"
	# Keep its error log with the results (every round's, one after
	# the other).
	[ -s "$SRV_DIR/error.log" ] && cat "$SRV_DIR/error.log" >>"$OUT/logs/$(basename "$SRV_DIR").error.log"
	return 0
}

trap 'stop_server quiet; kit_stop "${KIT_STARTING:-}"; rm -rf "$RUN_DIR"' EXIT
trap 'say "interrupted"; exit 130' INT TERM

# ---- the files served ----

# The docroot of the run, the same for every server (the kit's and the
# peers'): the kit's 1 KiB file and a 1 MiB file made here, so that the
# large file is never in the repository. Apache httpd and nginx started as
# root serve as nobody, hence the permissions: nobody must be able to reach
# and read the files in our temporary folder.
make_docroot() {
	DOCROOT=$RUN_DIR/htdocs
	mkdir -p "$DOCROOT/files" &&
		cp "$ROOT/common/htdocs/files/1k.txt" "$DOCROOT$SMALL" &&
		head -c 1048576 /dev/zero | tr '\0' x >"$DOCROOT$LARGE" &&
		chmod -R a+rX "$RUN_DIR"
}

# ---- the servers ----

CHILDREN=$((WORKERS / THREADS_PER_CHILD))
PREFORK_SET="StartServers $WORKERS, MinSpareServers 5, MaxSpareServers $WORKERS, ServerLimit $WORKERS, MaxRequestWorkers $WORKERS"
THREADED_SET="StartServers $CHILDREN, ServerLimit $CHILDREN, ThreadsPerChild $THREADS_PER_CHILD, ThreadLimit $THREADS_PER_CHILD, MinSpareThreads $THREADS_PER_CHILD, MaxSpareThreads $WORKERS, MaxRequestWorkers $WORKERS"

directives() { # "A 1, B 2" -> -c 'A 1' -c 'B 2'
	local IFS=,
	local d
	for d in $1; do printf '%s\n' -c "${d# }"; done
}

# The directives shared by the kit's three servers, then each one's
# capacity.
kit_command() { # MPM -> the command line, one word a line
	local set=$THREADED_SET
	[ "$1" != prefork ] || set=$PREFORK_SET
	printf '%s\n' "$(kit_binary "$1" "$KIT_BIN")" \
		-c 'Listen 127.0.0.1:@PORT@' -c 'ErrorLog @DIR@/error.log' \
		-c 'PidFile @DIR@/pid' -c "DocumentRoot $DOCROOT" \
		-c 'KeepAlive On' -c 'KeepAliveTimeout 5' \
		-c 'MaxKeepAliveRequests 100'
	directives "$set"
}

# shellcheck source=labs/bench/peers.sh
. "$HERE/peers.sh"

# LIMIT=1: the limit server as one more server, when built (make limit).
LIMIT_RUNS=0
LARGE_SCENARIOS=$(printf '%s\n' "${SCENARIOS[@]}" | grep -c "|$LARGE|")
limit_find() {
	on "${LIMIT:-}" || return 0
	if [ ! -x "$LIMIT_BIN" ]; then
		NOTES+=("limit: $LIMIT_BIN is not built (make limit); skipped")
		return 0
	fi
	LIMIT_RUNS=1
	SERVERS_TO_RUN+=(limit)
	PEER_SETTINGS+=("limit (labs/bench/limit.c): $SERVER_CORES processes, one epoll loop each, a canned 1 KiB answer to any request (no 1m-16)")
}

# shellcheck source=labs/bench/extras.sh
. "$HERE/extras.sh"

# ---- running it ----

LOADGEN_COLUMNS=""
ROWS=0

# run_scenario SERVER ID OPTIONS PATH DESCRIPTION: one row of the CSV.
run_scenario() {
	local server=$1 id=$2 opts=$3 path=$4 desc=$5 out mem lg_pid row
	local mid round=""

	out=$RUN_DIR/loadgen.csv
	# shellcheck disable=SC2086 # opts is a list of options
	on_cpus "$CLIENT_CPUS" "$LOADGEN" $opts -t "$CLIENT_THREADS" \
		-w "$WARMUP" -d "$SECONDS_EACH" --csv -q \
		"http://127.0.0.1:$SRV_PORT$path" >"$out" 2>"$RUN_DIR/loadgen.err" &
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
		echo "run,server,scenario,server_processes,server_threads,server_pss_mib,$LOADGEN_COLUMNS" >"$CSV"
	}
	row="$ROUND,$server,$id,${mem// /,},$(tail -n 1 "$out")"
	echo "$row" >>"$CSV"
	ROWS=$((ROWS + 1))
	[ "$RUNS" -eq 1 ] || round="round $ROUND "
	printf '%s\n%s\n' "$(head -n 1 "$CSV")" "$row" | awk -F, -v n="$STEP/$TOTAL_STEPS" -v r="$round" -v d="$desc" '
		NR == 1 { for (i = 1; i <= NF; i++) c[$i] = i; next }
		{ printf "bench: %-7s %s%-13s %-38s %7.0f req/s, p99 %7.2f ms, %d errors, %d/%d processes/threads, %.1f MiB\n",
			"[" n "]", r, $c["server"], d, $c["req_per_s"], $c["p99_ms"], $c["errors"],
			$c["server_processes"], $c["server_threads"], $c["server_pss_mib"] }' >&2
}

# Every scenario on one server, started for them and stopped after.
bench_server() { # NAME READY PREPARE CMD...
	local name=$1 s id opts path desc

	say "starting $name${ROUND_LABEL}"
	if ! start_server "$@"; then
		NOTES+=("$name${ROUND_LABEL}: did not start (see above); skipped")
		STEP=$((STEP + ${#SCENARIOS[@]}))
		return
	fi
	for s in "${SCENARIOS[@]}"; do
		IFS='|' read -r id opts path desc <<<"$s"
		# limit answers every request with its canned 1 KiB.
		[ "$name" != limit ] || [ "$path" = "$SMALL" ] || continue
		STEP=$((STEP + 1))
		run_scenario "$name" "$id" "$opts" "$path" "$desc" ||
			NOTES+=("$name $id${ROUND_LABEL}: loadgen failed")
	done
	stop_server
}

bench_one() { # NAME: a kit server or a peer, for one round
	local -a list

	case $1 in
	prefork | worker | event)
		mapfile -t list < <(kit_command "$1")
		bench_server "$1" status - "${list[@]}"
		;;
	limit) bench_server limit plain - "$LIMIT_BIN" @PORT@ "$SERVER_CORES" ;;
	*) peer_bench "$1" ;;
	esac
}

main() {
	local host date mpm cmd name s servers

	[ -x "$LOADGEN" ] || { say "no $LOADGEN: run make first"; exit 1; }
	host=$(hostname -s 2>/dev/null || hostname)
	date=$(date +%Y-%m-%d-%H%M%S)
	OUT=${BENCH_OUT:-$ROOT/results/$host-$date}
	mkdir -p "$OUT/logs" || exit 1
	OUT=$(cd "$OUT" && pwd)
	rm -f "$OUT"/logs/*.error.log
	RUN_DIR=$(mktemp -d "${TMPDIR:-/tmp}/kit-bench.XXXXXX") || exit 1
	make_docroot || { say "cannot make the docroot in $RUN_DIR"; exit 1; }
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
	limit_find
	! on "${PEERS:-}" || peers_find
	SERVERS_TO_RUN+=("${PEER_NAMES[@]}")
	servers=${#SERVERS_TO_RUN[@]}
	TOTAL_STEPS=$((RUNS * servers * ${#SCENARIOS[@]}))
	# limit skips the 1 MiB scenario.
	[ "$LIMIT_RUNS" = 0 ] || TOTAL_STEPS=$((TOTAL_STEPS - RUNS * LARGE_SCENARIOS))
	s=""
	[ "$RUNS" -eq 1 ] || s=" ($RUNS rounds of $servers servers)"
	say "$TOTAL_STEPS runs of ${SECONDS_EACH} s (+ $WARMUP s warm-up)$s on $CORES cores; $PLACEMENT"

	# Round after round of all the servers, rather than each server R
	# times in a row: whatever slows the machine for a while (another
	# job, the CPU's clock) then hits every server alike.
	ROUND_LABEL=""
	for ((ROUND = 1; ROUND <= RUNS; ROUND++)); do
		[ "$RUNS" -eq 1 ] || ROUND_LABEL=" (round $ROUND of $RUNS)"
		for name in "${SERVERS_TO_RUN[@]}"; do
			bench_one "$name"
		done
	done
	! on "${BENCH_WRK:-}" || wrk_beside_loadgen
	[ "$HOLD" = 0 ] || hold_idle_connections

	write_report "$host"
	[ "$ROWS" -gt 0 ] || { say "nothing was measured"; exit 1; }
}

# shellcheck source=labs/bench/report.sh
. "$HERE/report.sh"
main "$@"
