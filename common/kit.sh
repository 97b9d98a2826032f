# common/kit.sh - the kit's one shell library: where a server is built,
# starting it on a free port, waiting until it answers, stopping it with all
# its children, reading what it costs from /proc (processes, threads,
# PSS, CPU ticks), and which cores the server and its client get (one
# rule for the labs and make bench: kit_split_cpus). Sourced by tests/helpers.bash, labs/common.sh,
# slides/demo/lib.sh and labs/bench/bench.sh, which keep their own short
# names for these functions.
#
# What it teaches: a script that starts a server must find a port nobody
# uses, know whether the server still lives, and stop every process it
# started. A server is started in its own session (setsid): its master
# leads a process group, and that group is "the server's processes", the
# set every function below looks at. A port taken by another program shows
# as the server's exit status 3 (SERVER_EXIT_ADDRESS_IN_USE in
# common/server.h), never as a message to grep for.
#
# Safe under `set -e` (Bats) and `set -u`: every command that may fail is
# tested. The KIT_* variables it sets are read by its callers.
# shellcheck disable=SC2034

KIT_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
KIT_EXIT_ADDRESS_IN_USE=3 # the servers' exit status: Listen address in use

# ---- ports, processes, the clock ----

# True if something accepts connections on 127.0.0.1:PORT.
port_in_use() {
	(exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null
}

# A free port in 20000-32767: below Linux's default range of ephemeral
# ports (32768-60999), so that no client socket of a busy machine (a
# benchmark's thousands of connections) holds the port a server wants.
pick_port() {
	local p _

	for _ in 1 2 3 4 5 6 7 8 9 10; do
		p=$((20000 + RANDOM % 12768))
		port_in_use "$p" || { echo "$p"; return 0; }
	done
	return 1
}

# True if PID exists and is not a zombie.
process_alive() {
	local state

	state="$(ps -o stat= -p "$1" 2>/dev/null)" || return 1
	[ -n "$state" ] && [[ "$state" != Z* ]]
}

# The server's processes: PIDs of the live (non-zombie) members of process
# group PGID (the master's pid, as setsid made it a group leader).
group_pids() {
	ps -e -o pid=,pgid=,stat= |
		awk -v g="$1" '$2 == g && $3 !~ /^Z/ { print $1 }'
}

# Live children of PID (a master's pool), one pid a line, sorted.
kit_children() {
	ps -o pid=,stat= --ppid "$1" 2>/dev/null |
		awk '$2 !~ /^Z/ { print $1 }' | sort -n
}

# Milliseconds since the epoch.
now_ms() {
	echo $(( $(date +%s%N) / 1000000 ))
}

# ---- which binary ----

# kit_mpm_dir MPM: the folder of an MPM (prefork -> 01-prefork); fails for
# a name that is not one of the three.
kit_mpm_dir() {
	case "$1" in
	prefork) echo 01-prefork ;;
	worker) echo 02-worker ;;
	event) echo 03-event ;;
	*) return 1 ;;
	esac
}

# kit_path PATH: PATH, made absolute from the repository root if relative
# (as the Makefile passes KIT_BIN=. or KIT_BUILD=build/plain).
kit_path() {
	case "$1" in
	/*) echo "$1" ;;
	*) echo "$KIT_ROOT/$1" ;;
	esac
}

# kit_binary MPM [BINDIR]: where the server is built (BINDIR, default
# $KIT_BIN, default the repository root), built or not.
kit_binary() {
	local dir

	dir="$(kit_mpm_dir "$1")" || return 1
	echo "$(kit_path "${2:-${KIT_BIN:-.}}")/$dir/$1"
}

# ---- start, wait, stop ----

# kit_wait_port PORT PID [SECONDS] [PATH]: succeeds once the server PID
# (a group leader) answers HTTP (any status) on PORT; fails at once if it
# died, or after SECONDS (default 10). An answer from another program on
# that port does not count (kit_owns_port).
kit_wait_port() {
	local deadline=$((SECONDS + ${3:-10}))

	while [ "$SECONDS" -lt "$deadline" ]; do
		if curl -s -o /dev/null --max-time 1 \
			"http://127.0.0.1:$1${4:-/}" && kit_owns_port "$1" "$2"
		then
			return 0
		fi
		process_alive "$2" || return 1
		sleep 0.05
	done
	return 1
}

# kit_owns_port PORT PGID: true unless ss shows the socket listening on
# PORT held by processes none of which is in group PGID (someone else's
# server answered). Without ss, or where it names no process, true.
kit_owns_port() {
	local owners p

	command -v ss >/dev/null || return 0
	owners="$(ss -Hltnp "sport = :$1" 2>/dev/null |
		grep -o 'pid=[0-9]*' | cut -d= -f2)" || true
	[ -n "$owners" ] || return 0
	for p in $owners; do
		[ "$(ps -o pgid= -p "$p" 2>/dev/null | tr -d ' ')" = "$2" ] &&
			return 0
	done
	return 1
}

# kit_start [OPTIONS] -- CMD...: start a server on a free port of
# 127.0.0.1 in its own session, and wait until it is ready. Every @PORT@
# in CMD and in the file names below becomes the port. When the server
# exits with status 3 (its Listen address was taken between pick_port and
# bind), again on another port, 5 times at most. Options:
#   -o FILE   its standard output (and error, without -e), emptied first
#   -e FILE   its standard error, emptied first
#   -c CPUS   pin it with taskset -c CPUS (nothing if empty)
#   -b FUNC   run FUNC before each attempt (KIT_PORT set): write a config
#   -r FUNC   ready when FUNC succeeds (KIT_PORT, KIT_PID set; default
#             kit_wait_port on /, 10 s)
# Sets KIT_PORT and KIT_PID (the master: setsid and taskset exec, so $!
# is the server itself). On failure nothing of it is left running,
# KIT_STATUS is its exit status ("" if it lived but never got ready) and
# KIT_WHY says what happened. KIT_STARTING holds the pid while it is being
# waited for, for an EXIT trap to stop.
kit_start() {
	local out=/dev/null err="" cpus="" before="" ready="" opt _
	local a words pin=() st

	local OPTIND=1 OPTARG
	while getopts o:e:c:b:r: opt; do
		case "$opt" in
		o) out="$OPTARG" ;;
		e) err="$OPTARG" ;;
		c) cpus="$OPTARG" ;;
		b) before="$OPTARG" ;;
		r) ready="$OPTARG" ;;
		*) KIT_WHY="kit_start: bad option"; return 2 ;;
		esac
	done
	shift $((OPTIND - 1))
	[ -n "$cpus" ] && command -v taskset >/dev/null &&
		pin=(taskset -c "$cpus")
	KIT_STATUS="" KIT_WHY="" KIT_PID=""
	for _ in 1 2 3 4 5; do
		KIT_PORT="$(pick_port)" || { KIT_WHY="no free port"; return 1; }
		[ -z "$before" ] || "$before" || {
			KIT_WHY="$before failed"; return 1; }
		words=()
		for a in "$@"; do
			words+=("${a//@PORT@/$KIT_PORT}")
		done
		KIT_OUT="${out//@PORT@/$KIT_PORT}"
		KIT_ERR="${err//@PORT@/$KIT_PORT}"
		: >"$KIT_OUT"
		[ -z "$KIT_ERR" ] || : >"$KIT_ERR"
		# Appended, as the server's own ErrorLog may be the same file.
		# 3>&- : Bats waits for fd 3 to close; a server holding it
		# would hang the run.
		if [ -n "$KIT_ERR" ]; then
			setsid "${pin[@]}" "${words[@]}" </dev/null \
				>>"$KIT_OUT" 2>>"$KIT_ERR" 3>&- &
		else
			setsid "${pin[@]}" "${words[@]}" </dev/null \
				>>"$KIT_OUT" 2>&1 3>&- &
		fi
		KIT_PID=$!
		KIT_STARTING=$KIT_PID
		if "${ready:-kit_ready_default}"; then
			KIT_STARTING="" KIT_WHY="" KIT_STATUS=""
			return 0
		fi
		KIT_STARTING=""
		if process_alive "$KIT_PID"; then
			KIT_WHY="it runs but did not get ready on port $KIT_PORT"
			kit_stop "$KIT_PID" 2 || true
			return 1
		fi
		st=0
		wait "$KIT_PID" 2>/dev/null || st=$?
		kit_stop "$KIT_PID" 1 || true # children it may have left
		KIT_STATUS=$st
		KIT_WHY="it exited with status $st"
		[ "$st" -eq "$KIT_EXIT_ADDRESS_IN_USE" ] || return 1
		KIT_WHY="port taken 5 times in a row (exit status 3)"
	done
	return 1
}

kit_ready_default() {
	kit_wait_port "$KIT_PORT" "$KIT_PID" 10
}

# kit_stop PGID [SECONDS]: TERM to the server's process group, KILL after
# SECONDS (default 5) if any process of it is left, then reap the master.
# Returns 0 if TERM was enough, 1 if it took a KILL, 2 if a process
# survived even that; KIT_LEFT names the pids still there after TERM.
kit_stop() {
	local pid="$1" deadline=$((SECONDS + ${2:-5})) status=0

	KIT_LEFT=""
	[ -n "$pid" ] || return 0
	kill -TERM -- "-$pid" 2>/dev/null || true
	while [ -n "$(group_pids "$pid")" ] && [ "$SECONDS" -lt "$deadline" ]
	do
		sleep 0.05
	done
	KIT_LEFT="$(group_pids "$pid" | tr '\n' ' ')"
	if [ -n "$KIT_LEFT" ]; then
		status=1
		kill -KILL -- "-$pid" 2>/dev/null || true
		sleep 0.2
	fi
	wait "$pid" 2>/dev/null || true
	[ -z "$(group_pids "$pid")" ] || status=2
	return "$status"
}

# ---- what a server costs, from /proc ----

# kit_proc_cat FILE PID...: /proc/PID/FILE of each process, one after
# the other; a process that exits meanwhile simply drops out.
kit_proc_cat() {
	local f="$1" p files=()

	shift
	for p in "$@"; do
		files+=("/proc/$p/$f")
	done
	[ "${#files[@]}" -eq 0 ] || cat "${files[@]}" 2>/dev/null || true
	return 0
}

# kit_threads PID...: threads (tasks) of the processes, added up.
kit_threads() {
	kit_proc_cat status "$@" |
		awk '$1 == "Threads:" { n += $2 } END { print n + 0 }'
}

# kit_mem_kib FIELD PID...: a field of smaps_rollup (Pss, Rss, ...) added
# up over the processes, in KiB. PSS splits each shared page between the
# processes that share it, so the sum over a server is what it really
# costs; adding up RSS would count the shared code once per process.
kit_mem_kib() {
	local field="$1"

	shift
	kit_proc_cat smaps_rollup "$@" |
		awk -v f="$field:" '$1 == f { s += $2 } END { print s + 0 }'
}

kit_pss_kib() { kit_mem_kib Pss "$@"; }

# kit_cpu_ticks PID...: CPU time (user + system, all threads, in clock
# ticks of getconf CLK_TCK) of the processes, added up; compare two
# readings to get the CPU a run took. Fields 14 and 15 of /proc/PID/stat,
# counted after the ")" that ends the command name, which may itself
# contain spaces.
kit_cpu_ticks() {
	kit_proc_cat stat "$@" | awk '{
		sub(/^.*\) /, ""); t += $12 + $13 } END { print t + 0 }'
}

# ---- where server and client run ----

KIT_LOADGEN_MAX_THREADS=64 # loadgen's most threads (-t, labs/tools/options.c)

# kit_expand_cpus LIST: a taskset list as CPUs, one a line: "0-2,5"
# gives 0 1 2 5.
kit_expand_cpus() {
	echo "$1" | awk -F, '{
		for (i = 1; i <= NF; i++) {
			if (split($i, r, "-") == 1) r[2] = r[1]
			for (c = r[1] + 0; c <= r[2] + 0; c++) print c
		}
	}'
}

# kit_allowed_cpus: the CPUs this process may run on, one a line, in
# order. A container or taskset may allow only some, such as 4-7: those
# are the ones to pin to (taskset refuses any other). 0 .. nproc-1 where
# /proc does not say.
kit_allowed_cpus() {
	local list

	list="$(awk -F':[ \t]*' '/^Cpus_allowed_list/ { print $2 }' \
		/proc/self/status 2>/dev/null)"
	if [ -n "$list" ]; then
		kit_expand_cpus "$list"
	else
		seq 0 $(($(nproc 2>/dev/null || echo 1) - 1))
	fi
}

# kit_cpu_list CPU...: the CPUs as taskset writes a list: 0 1 2 3 5 is
# 0-3,5.
kit_cpu_list() {
	printf '%s\n' "$@" | awk '
		NR == 1 { lo = hi = $1; next }
		$1 == hi + 1 { hi = $1; next }
		{ out = out sep (lo == hi ? lo : lo "-" hi); sep = ","; lo = hi = $1 }
		END { print out sep (lo == hi ? lo : lo "-" hi) }'
}

# kit_loadgen_threads N: loadgen's threads for N client cores, one a core
# (fewer would leave client cores idle and measure the client, not the
# server), at most loadgen's most.
kit_loadgen_threads() {
	local n="$1"

	[ "$n" -ge 1 ] || n=1
	[ "$n" -le "$KIT_LOADGEN_MAX_THREADS" ] || n=$KIT_LOADGEN_MAX_THREADS
	echo "$n"
}

# kit_split_cpus CPU...: the kit's one rule for where the client (loadgen,
# curl) and the server run, given the cores to use, in order. It sets
# KIT_CLIENT_CPUS and KIT_SERVER_CPUS (taskset lists), KIT_CLIENT_CORES,
# KIT_SERVER_CORES and KIT_LOADGEN_THREADS. On N cores:
#   N >= 4  the client gets the first half, floor(N / 2) cores, the server
#           the rest: they never share a core;
#   N = 2, 3  the client gets the first core, the server the rest;
#   N = 1   both share it.
# The client comes first because the first core (CPU 0) is the one the
# kernel most often gives its own work (interrupts, timers, housekeeping):
# that noise then falls on the client, not on the server being measured.
# On an odd N the server, the thing measured, gets the larger part, and
# the client keeps CPU 0 from 2 cores up. The labs (labs/plan.sh) use the
# rule from 2 cores up; make bench (labs/bench/bench.sh) from 4 up, and
# below lets both share every core.
kit_split_cpus() {
	local n=$# c

	c=$((n / 2))
	[ "$n" -ge 4 ] || c=1
	if [ "$n" -lt 2 ]; then
		KIT_CLIENT_CPUS="${1-}" KIT_SERVER_CPUS="${1-}"
		KIT_CLIENT_CORES=1 KIT_SERVER_CORES=1
	else
		KIT_CLIENT_CPUS="$(kit_cpu_list "${@:1:c}")"
		KIT_SERVER_CPUS="$(kit_cpu_list "${@:c+1}")"
		KIT_CLIENT_CORES=$c KIT_SERVER_CORES=$((n - c))
	fi
	KIT_LOADGEN_THREADS="$(kit_loadgen_threads "$KIT_CLIENT_CORES")"
}

# ---- talking to it ----

# kit_status_value PORT KEY [SECONDS]: one value of /server-status?auto
# ("" if absent or no answer within SECONDS, default 2).
kit_status_value() {
	curl -s --max-time "${3:-2}" "http://127.0.0.1:$1/server-status?auto" |
		tr -d '\r' | awk -v key="$2" 'index($0, key ": ") == 1 {
			print substr($0, length(key) + 3); exit }'
}

# kit_end PID...: TERM each background client and reap it.
kit_end() {
	local pid

	for pid in "$@"; do
		kill "$pid" 2>/dev/null || true
		wait "$pid" 2>/dev/null || true
	done
}
