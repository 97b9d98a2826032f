# labs/common.sh - what every lab's run.sh shares. Source it, then call
# lab_init first:
#
#   . "$(dirname "$0")/../common.sh"
#   lab_init 02-what-prefork-costs
#
# What it teaches: an experiment on a server is only worth its numbers if
# the script owns every process it starts, says where each one ran, and
# measures the same way every time. Here is how each of those is done:
#   - servers start in their own session (setsid), so a master that signals
#     its process group cannot hit the script, and stop by that group's id;
#     an EXIT trap stops every server and client the script started, even
#     after Ctrl-C, and checks that none survived;
#   - memory is the PSS (proportional set size) of every process of the
#     server, from /proc/PID/smaps_rollup: pages shared by N processes count
#     1/N in each, so the sum is what the server really costs;
#   - the machine's cores and the CPUs given to server and client (taskset)
#     are printed and written on every plot;
#   - results are CSV (one header line, one row per measurement) and SVG
#     drawn by labs/plot/svgplot.
#
# Environment a student may set:
#   QUICK=1          a run of seconds instead of minutes (the tests use it)
#   LAB_RESULTS=DIR  where to write (default: the lab's results/ folder)
#   SERVER_CPUS=LIST, CLIENT_CPUS=LIST   taskset CPU lists (e.g. 1 or 2-3)
#                    instead of plan.sh's; PIN=0 runs both anywhere
#   KIT_BIN=DIR      where the servers are built (default: the repository)

LAB_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
# shellcheck source=../common/kit.sh
. "$LAB_ROOT/common/kit.sh"
# shellcheck source=plan.sh
. "$LAB_ROOT/labs/plan.sh"
LOADGEN="$LAB_ROOT/labs/tools/loadgen"
case "${KIT_BIN:-}" in
"" | .) ;;
/*) [ -x "$KIT_BIN/labs/tools/loadgen" ] &&
	LOADGEN="$KIT_BIN/labs/tools/loadgen" ;;
*) [ -x "$LAB_ROOT/$KIT_BIN/labs/tools/loadgen" ] &&
	LOADGEN="$LAB_ROOT/$KIT_BIN/labs/tools/loadgen" ;;
esac
SVGPLOT="$LAB_ROOT/labs/plot/svgplot"
QUICK="${QUICK:-0}"
LAB_SERVERS=()   # masters started (each its own process group)
LAB_CLIENTS=()   # background clients started (loadgen, curl loops)
SRV_PID="" SRV_PORT="" SRV_LOG=""

# ---- messages ----

say() { printf '[%s] %s\n' "${LAB_NAME:-lab}" "$*"; }
die() { printf '[%s] error: %s\n' "${LAB_NAME:-lab}" "$*" >&2; exit 1; }

# ---- start and end of a lab ----

# lab_init NAME: results folder, the EXIT trap, the machine's description.
lab_init() {
	LAB_NAME="$1"
	LAB_DIR="$(cd "$(dirname "$0")" && pwd)"
	RESULTS="${LAB_RESULTS:-$LAB_DIR/results}"
	# The servers' logs are per run: start with an empty folder.
	rm -rf "$RESULTS/logs"
	mkdir -p "$RESULTS/logs" || die "cannot create $RESULTS"
	trap lab_cleanup EXIT
	trap 'say "interrupted"; exit 130' INT TERM HUP
	[ -x "$LOADGEN" ] || die "no $LOADGEN: run make in $LAB_ROOT"
	say "$(lab_machine); load average $(cut -d' ' -f1-3 /proc/loadavg)" \
	    "(other programs compete for the same cores: close them)"
	[ "$QUICK" = 1 ] && say "QUICK=1: a short run; numbers are rough"
	return 0
}

lab_cleanup() {
	local pid status=$?

	trap - EXIT INT TERM HUP
	for pid in "${LAB_CLIENTS[@]}"; do
		client_stop "$pid"
	done
	for pid in "${LAB_SERVERS[@]}" ${KIT_STARTING:-}; do
		server_stop "$pid"
	done
	exit "$status"
}

# binary_of MPM: the path of a server, or fail with how to build it.
binary_of() {
	local bin

	bin="$(kit_binary "$1")" || die "unknown MPM $1 (prefork, worker or event)"
	[ -x "$bin" ] || die "no $bin: run make in $LAB_ROOT"
	echo "$bin"
}

need_servers() {
	local m

	for m in "$@"; do
		binary_of "$m" >/dev/null
	done
}

# need_fds N: raise the soft limit of open files to N (or as far as the
# hard limit allows), or stop with the command that would fix it.
need_fds() {
	local want="$1" hard

	[ "$(ulimit -n)" = unlimited ] && return 0
	[ "$(ulimit -n)" -ge "$want" ] && return 0
	hard="$(ulimit -Hn)"
	if [ "$hard" = unlimited ] || [ "$hard" -ge "$want" ]; then
		ulimit -n "$want" && return 0
	fi
	die "this lab needs $want open files, the limit is $(ulimit -n)" \
	    "(hard $hard): as root, ulimit -Hn $want, then run it again"
}

# ---- cores and placement ----

# Where server and client run is plan_init's (plan.sh), with the kit's
# rule (kit_split_cpus in common/kit.sh); these are its helpers and the
# ways to run a command on the CPUs it chose.

cores() { nproc 2>/dev/null || getconf _NPROCESSORS_ONLN; }

# cpu_count LIST: how many CPUs a taskset list names ("0-2,5" is 4); all
# of them if LIST is empty.
cpu_count() {
	[ -n "$1" ] || { cores; return; }
	echo "$1" | awk -F, '{ n = 0
		for (i = 1; i <= NF; i++)
			n += split($i, r, "-") == 2 ? r[2] - r[1] + 1 : 1
		print n }'
}

# One line for the terminal and for every plot's note.
lab_machine() {
	local where

	if [ -z "${SERVER_CPUS}${CLIENT_CPUS}" ]; then
		where="server and client not pinned"
	elif [ "$SERVER_CPUS" = "$CLIENT_CPUS" ]; then
		where="server and client share CPU $SERVER_CPUS"
	else
		where="server on CPU $SERVER_CPUS, client on CPU $CLIENT_CPUS"
	fi
	# CORES=N on a larger machine uses N of them: say both.
	if [ "${PLAN_CORES:-$(cores)}" = "$(cores)" ]; then
		echo "$(cores) cores; $where"
	else
		echo "$PLAN_CORES of $(cores) cores (CORES=$PLAN_CORES); $where"
	fi
}

# on_cpus LIST CMD...: run CMD pinned to LIST (or anywhere if LIST is empty).
on_cpus() {
	local cpus="$1"

	shift
	if [ -n "$cpus" ] && command -v taskset >/dev/null; then
		taskset -c "$cpus" "$@"
	else
		"$@"
	fi
}

# pin_words LIST: PIN_WORDS becomes the words to put before a command to
# pin it to LIST ("taskset -c LIST"), none if LIST is empty or taskset is
# missing. taskset execs the command, so the pid stays the same.
pin_words() {
	PIN_WORDS=()
	if [ -n "$1" ] && command -v taskset >/dev/null; then
		PIN_WORDS=(taskset -c "$1")
	fi
}

# ---- servers ----

# Starting, stopping and measuring a server are common/kit.sh's (shared
# with the tests, the slide demos and make bench), sourced at the top;
# here they get the lab's logs, pinning and bookkeeping.

# server_start MPM [DIRECTIVE...]: start MPM on 127.0.0.1 on a free port,
# pinned to SERVER_CPUS (or to the CPUs in SRV_CPUS if set), LabHandlers
# On, the error log in results/logs. Sets SRV_PID (master = process group)
# and SRV_PORT. Each DIRECTIVE is one -c argument ('KeepAliveTimeout 1').
server_start() {
	local mpm="$1" bin d args=() log

	shift
	bin="$(binary_of "$mpm")" || exit 1
	for d in "$@"; do
		args+=(-c "$d")
	done
	log="$RESULTS/logs/$mpm-@PORT@.log"
	if kit_start -o "$log" -c "${SRV_CPUS-$SERVER_CPUS}" -- "$bin" \
		-c "Listen 127.0.0.1:@PORT@" -c "LabHandlers On" \
		-c "ErrorLog $log" "${args[@]}"; then
		SRV_PID=$KIT_PID SRV_PORT=$KIT_PORT SRV_LOG=$KIT_OUT
		LAB_SERVERS+=("$SRV_PID")
		return 0
	fi
	cat "$KIT_OUT" >&2
	die "$mpm did not start ($KIT_WHY): $bin $*"
}

# server_stop PID: TERM to the server's process group, KILL after 5 s.
server_stop() {
	local pid="$1" i

	[ -n "$pid" ] || return 0
	kit_stop "$pid" 5 ||
		say "server $pid still running 5 s after TERM: killed"
	for i in "${!LAB_SERVERS[@]}"; do
		[ "${LAB_SERVERS[$i]}" = "$pid" ] && unset 'LAB_SERVERS[i]'
	done
	return 0
}

# ---- what a server costs, from /proc ----

# Processes of the server (master included), threads (all tasks), memory
# (a field of smaps_rollup: Pss, Rss, ... in KiB), CPU ticks: each over
# the server's process group.
server_procs() { group_pids "$1" | wc -l; }
# shellcheck disable=SC2046 # one pid a word
server_threads() { kit_threads $(group_pids "$1"); }
# shellcheck disable=SC2046
server_mem_kib() { kit_mem_kib "$2" $(group_pids "$1"); } # PID FIELD
server_pss_kib() { server_mem_kib "$1" Pss; }
# shellcheck disable=SC2046
server_cpu_ticks() { kit_cpu_ticks $(group_pids "$1"); }

kib_to_mib() { awk -v k="$1" 'BEGIN { printf "%.2f", k / 1024 }'; }

ticks_to_s() {
	awk -v t="$1" -v hz="$(getconf CLK_TCK)" \
		'BEGIN { printf "%.2f", t / hz }'
}

# ---- /server-status?auto ----

# status_auto [PORT]: the whole machine-readable page.
status_auto() {
	curl -s --max-time 2 \
		"http://127.0.0.1:${1:-$SRV_PORT}/server-status?auto" |
		tr -d '\r'
}

# status_value TEXT KEY: one value from a page status_auto returned.
status_value() {
	printf '%s\n' "$1" | awk -v key="$2" '
		index($0, key ": ") == 1 { print substr($0, length(key) + 3)
					   found = 1; exit }
		END { if (!found) print "" }'
}

# scoreboard_count TEXT LETTERS: how many slots show one of LETTERS.
scoreboard_count() {
	local sb

	sb="$(status_value "$1" Scoreboard)"
	sb="${sb//[^$2]/}"
	echo "${#sb}"
}

# conns_accepted [PORT]: established connections to the server that one of
# its processes has accepted (ss -p names an owner); conns_waiting: those
# the kernel completed but nobody accepted yet (the listen backlog). Both
# work when the server is too busy to answer /server-status.
conns_accepted() {
	ss -Htnp state established "( sport = :${1:-$SRV_PORT} )" 2>/dev/null |
		grep -c 'users:'
}

conns_waiting() {
	ss -Htnp state established "( sport = :${1:-$SRV_PORT} )" 2>/dev/null |
		grep -vc 'users:'
}

# wait_until SECONDS CMD...: run CMD every 0.1 s until it succeeds.
wait_until() {
	local deadline=$((SECONDS + $1))

	shift
	until "$@"; do
		[ "$SECONDS" -lt "$deadline" ] || return 1
		sleep 0.1
	done
}

# ---- clients ----

# loadgen_row ARGS...: run loadgen (pinned to CLIENT_CPUS) in CSV mode and
# print its data row only; loadgen_header prints the matching header.
loadgen_row() {
	on_cpus "$CLIENT_CPUS" "$LOADGEN" --csv -q "$@" | sed -n 2p
}

loadgen_header() {
	"$LOADGEN" --csv -q -n 1 -c 1 --timeout 1s "http://127.0.0.1:9/" \
		2>/dev/null | sed -n 1p
}

# loadgen_field HEADER ROW NAME: one field of a loadgen CSV row.
loadgen_field() {
	awk -v h="$1" -v r="$2" -v name="$3" 'BEGIN {
		n = split(h, hs, ","); split(r, rs, ",")
		for (i = 1; i <= n; i++) if (hs[i] == name) print rs[i] }'
}

# client_start CMD...: a background client, pinned to CLIENT_CPUS; sets
# CLIENT_PID. Stopped by client_stop or at exit.
client_start() {
	# A simple command, not a function, so that $! is the client itself
	# (taskset execs it) and a signal to $! reaches it.
	pin_words "$CLIENT_CPUS"
	"${PIN_WORDS[@]}" "$@" &
	CLIENT_PID=$!
	LAB_CLIENTS+=("$CLIENT_PID")
}

client_stop() {
	local pid="$1" i _

	[ -n "$pid" ] || return 0
	# TERM, not INT: a script's background jobs ignore SIGINT.
	kill -TERM "$pid" 2>/dev/null || true
	for _ in $(seq 50); do
		kill -0 "$pid" 2>/dev/null || break
		sleep 0.1
	done
	kill -KILL "$pid" 2>/dev/null || true
	wait "$pid" 2>/dev/null || true
	for i in "${!LAB_CLIENTS[@]}"; do
		[ "${LAB_CLIENTS[$i]}" = "$pid" ] && unset 'LAB_CLIENTS[i]'
	done
	return 0
}

# ---- CSV and plots ----

# csv_init FILE COL...: a new CSV with its header line.
csv_init() {
	local f="$1"

	shift
	(IFS=,; echo "$*") >"$f"
}

# csv_row FILE VALUE...: one row. A value with a comma would shift every
# column after it, so it is refused.
csv_row() {
	local f="$1" v

	shift
	for v in "$@"; do
		[[ "$v" != *,* ]] || die "CSV value with a comma: $v"
	done
	(IFS=,; echo "$*") >>"$f"
}

# plot ARGS...: labs/plot/svgplot with the machine line as the note
# unless -N is given.
plot() {
	"$SVGPLOT" -N "$(lab_machine)" "$@" || die "plot failed: $*"
}

# The end of a run: where everything is.
lab_done() {
	local f

	say "results in $RESULTS:"
	for f in "$RESULTS"/*.csv "$RESULTS"/*.svg "$RESULTS"/*.txt; do
		[ -e "$f" ] && say "  $(basename "$f")"
	done
	return 0
}
