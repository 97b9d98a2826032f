# labs/plan.sh - where a lab puts the server and the client on this
# machine, how hard it loads the server, and how long it will take; and
# the dry run that prints all of that without starting anything.
# Sourced by common.sh. Every run.sh calls, before lab_init:
#
#   plan_init                      placement for CORES (default: this machine)
#   plan_load WHAT CONNS KIND K    a workload: CONNS connections on K server
#                                  cores; KIND cpu or static (they must
#                                  load every core: tests/plans.bats),
#                                  io, idle or none
#   plan_point WHAT COUNT SECONDS  COUNT measurements of about SECONDS each,
#                                  starting and stopping servers included
#   plan_sweep SERVERS STEPS SECONDS START [NAME]   points of a sweep
#   plan_note TEXT                 what this placement cannot show
#   plan_count LIST, plan_largest LIST   words in a list, its largest number
#   plan_throughput                the note every throughput lab needs
#   plan_done                      PLAN=1: print the plan and exit; otherwise
#                                  refuse CORES beyond this machine's
#
# What it teaches: a benchmark measures the client as much as the server
# unless the client has cores of its own and enough of them. The split is
# the kit's one rule, kit_split_cpus in common/kit.sh (make bench uses it
# too), on the N CPUs this process may run on (0 .. N-1 on a machine that
# allows all of them):
#   N >= 4  the client (loadgen, curl) gets the first half of the cores,
#           floor(N / 2), the server the rest; they never share a core, and
#           loadgen runs one thread per client core (at most 64);
#   N = 2, 3  the client gets the first CPU and the server the rest: one
#           client core, which a fast server can outrun (the lab says so);
#   N = 1   both share it.
# Connections grow with the server's cores (plan_conns): a closed-loop
# connection has one request in flight, so CPU-bound work needs more than
# one per core to keep every core busy while answers travel back.
#
# Environment: CORES=N plans for N cores (the first N this process may
# run on, or CPUs 0 .. N-1 for a larger machine than this); PLAN=1 prints
# the plan and stops; SERVER_CPUS, CLIENT_CPUS given by hand win; PIN=0
# pins nothing.
# shellcheck shell=bash

# plan_init: SERVER_CPUS, CLIENT_CPUS, SERVER_CORES, CLIENT_CORES,
# LOADGEN_THREADS and PLAN_CORES for CORES (default: this machine).
plan_init() {
	PLAN_LAB="$(cd "$(dirname "$0")" && pwd)"
	PLAN_LAB="${PLAN_LAB##*/}"
	LAB_NAME="${LAB_NAME:-$PLAN_LAB}"
	PLAN_MACHINE="$(cores)"
	PLAN_CORES="${CORES:-$PLAN_MACHINE}"
	[[ "$PLAN_CORES" =~ ^[1-9][0-9]*$ ]] ||
		die "CORES=$PLAN_CORES is not a number of cores"
	PLAN_TIME=0 PLAN_LINES=() PLAN_NOTES=()   # PLAN_TIME in tenths of a s
	# The CPUs planned on: the first PLAN_CORES of those this process may
	# run on (a container or taskset may allow CPUs 4-7 only); a dry run
	# for a machine larger than this one numbers them 0 .. N-1.
	mapfile -t PLAN_CPU_LIST < <(kit_allowed_cpus)
	if [ "$PLAN_CORES" -le "${#PLAN_CPU_LIST[@]}" ]; then
		PLAN_CPU_LIST=("${PLAN_CPU_LIST[@]:0:PLAN_CORES}")
	else
		mapfile -t PLAN_CPU_LIST < <(seq 0 $((PLAN_CORES - 1)))
	fi
	if [ "${PIN:-1}" = 0 ]; then
		SERVER_CPUS="" CLIENT_CPUS=""
	else
		kit_split_cpus "${PLAN_CPU_LIST[@]}"
		CLIENT_CPUS="${CLIENT_CPUS:-$KIT_CLIENT_CPUS}"
		SERVER_CPUS="${SERVER_CPUS:-$KIT_SERVER_CPUS}"
	fi
	SERVER_CORES="$(plan_cpu_count "$SERVER_CPUS")"
	CLIENT_CORES="$(plan_cpu_count "$CLIENT_CPUS")"
	LOADGEN_THREADS="$(kit_loadgen_threads "$CLIENT_CORES")"
}

# plan_throughput: a lab that measures throughput says what fewer than 4
# cores cannot show.
plan_throughput() {
	[ "$PLAN_CORES" -lt 4 ] && [ "${PIN:-1}" != 0 ] &&
		plan_note "$PLAN_CORES core(s): the client has one core and" \
		    "the server $SERVER_CORES, so throughput shows where the" \
		    "pair saturates, not how far the server alone would scale"
	return 0
}

# plan_cpu_count LIST: CPUs in a taskset list; the planned cores if empty.
plan_cpu_count() {
	if [ -n "$1" ]; then
		cpu_count "$1"
	else
		echo "$PLAN_CORES"
	fi
}

# plan_conns PER_CORE MIN [K]: connections for K server cores (default:
# all of the server's), PER_CORE a core, at least MIN.
plan_conns() {
	local c=$(($1 * ${3:-$SERVER_CORES}))

	[ "$c" -ge "$2" ] || c="$2"
	echo "$c"
}

# plan_core_steps: the server core counts a sweep measures: 1, 2, 4, 8 ...
# up to the server's cores, which always end the list. On fewer than 4
# cores, 1 .. N, the last one shared with the client (as the lab says).
plan_core_steps() {
	local k=1 steps=""

	if [ "$PLAN_CORES" -lt 4 ]; then
		seq -s ' ' 1 "$PLAN_CORES"
		return
	fi
	while [ "$k" -lt "$SERVER_CORES" ]; do
		steps+="$k "
		k=$((k * 2))
	done
	echo "$steps$SERVER_CORES"
}

# plan_step_cpus K: the first K CPUs of the server's; on fewer than 4
# cores the last K of those planned on (K = N includes the client's).
plan_step_cpus() {
	local k="$1" server

	if [ "$PLAN_CORES" -lt 4 ]; then
		kit_cpu_list "${PLAN_CPU_LIST[@]: -k}"
	else
		mapfile -t server < <(kit_expand_cpus "$SERVER_CPUS")
		kit_cpu_list "${server[@]:0:k}"
	fi
}

plan_load() { # WHAT CONNS KIND K
	PLAN_LINES+=("load: $1: $2 connections, $3, on $4 server cores")
}

plan_point() { # WHAT COUNT SECONDS
	PLAN_LINES+=("points: $1: $2 x $3 s")
	PLAN_TIME=$((PLAN_TIME + $2 * $(plan_tenths "$3")))
}

# plan_sweep SERVERS STEPS SECONDS START [NAME]: a point of SECONDS for
# each server and each step (NAME says what a step is), and START seconds
# for each server's start.
plan_sweep() {
	local n

	n="$(plan_count "$1")"
	plan_point "$1 x ${5:-steps} $2" $((n * $(plan_count "$2"))) "$3"
	plan_point "server starts" "$n" "$4"
}

plan_note() { PLAN_NOTES+=("$*"); }

# plan_tenths SECONDS: "5.4" is 54 tenths (one decimal is kept).
plan_tenths() {
	local whole="${1%%.*}" frac=0

	[[ "$1" == *.* ]] && frac="${1#*.}" && frac="${frac:0:1}"
	echo $((${whole:-0} * 10 + ${frac:-0}))
}

# plan_count LIST: how many words; plan_largest LIST: the largest number.
plan_count() {
	local words

	read -ra words <<<"$1"
	echo "${#words[@]}"
}

plan_largest() {
	local w max=0

	for w in $1; do
		[ "$w" -gt "$max" ] && max="$w"
	done
	echo "$max"
}

# plan_budget: the budget the run.sh header states, in seconds, for this
# mode ("# Budget: 240 s, QUICK=1 120 s").
plan_budget() {
	local line re='^# Budget: ([0-9]+) s, QUICK=1 ([0-9]+) s'

	while IFS= read -r line; do
		[[ "$line" =~ $re ]] || continue
		echo "${BASH_REMATCH[$([ "$QUICK" = 1 ] && echo 2 || echo 1)]}"
		return
	done <"$0"
}

plan_print() {
	local line

	echo "lab: $PLAN_LAB"
	echo "cores: $PLAN_CORES (this machine: $PLAN_MACHINE)"
	echo "server cpus: ${SERVER_CPUS:-any} ($SERVER_CORES cores)"
	echo "client cpus: ${CLIENT_CPUS:-any} ($CLIENT_CORES cores)"
	echo "loadgen threads: $LOADGEN_THREADS"
	for line in "${PLAN_LINES[@]}"; do
		echo "$line"
	done
	for line in "${PLAN_NOTES[@]}"; do
		echo "cannot show: $line"
	done
	echo "estimated time: $(((PLAN_TIME + 5) / 10)) s" \
	     "(budget $(plan_budget) s)"
}

# plan_done: PLAN=1 prints the plan and exits. A real run with CORES
# beyond this machine's stops before it starts anything; one within them
# uses CPUs 0 .. CORES-1 only.
plan_done() {
	local line

	if [ "${PLAN:-0}" = 1 ]; then
		plan_print
		exit 0
	fi
	[ "$PLAN_CORES" -le "$PLAN_MACHINE" ] ||
		die "CORES=$PLAN_CORES but this machine has $PLAN_MACHINE" \
		    "cores: nothing run (PLAN=1 CORES=$PLAN_CORES prints" \
		    "that plan)"
	for line in "${PLAN_NOTES[@]}"; do
		say "cannot show: $line"
	done
	say "loadgen $LOADGEN_THREADS thread(s); estimated time" \
	    "$(((PLAN_TIME + 5) / 10)) s"
}
