# slides/demo/lib.sh - what the three demos share: start a server, show its
# scoreboard, pause for the audience, and always clean up. Sourced by
# prefork.sh, worker.sh and event.sh; not run on its own.
#
# What it teaches: a live demo is a small test harness. The server runs in
# its own session (setsid) on 127.0.0.1 and a free port, its pid is known,
# and an EXIT trap stops it (its whole process group) and every client the
# demo started, whatever happens: Ctrl-C, an error, or the end.
#
# Options of every demo: --batch (or DEMO_PAUSE=0, or no terminal on
# stdin) runs it without waiting for Enter. DEMO_OPEN=1 also opens the
# scoreboard in a browser (xdg-open). KIT_BIN (where the servers are,
# default the repository root) and KIT_BUILD (where tests/tools/rawclient
# is, default build/plain) as for the tests.

DEMO_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
KIT_BIN=${KIT_BIN:-.}
KIT_BUILD=${KIT_BUILD:-build/plain}
case $KIT_BIN in /*) ;; *) KIT_BIN=$DEMO_ROOT/$KIT_BIN ;; esac
case $KIT_BUILD in /*) ;; *) KIT_BUILD=$DEMO_ROOT/$KIT_BUILD ;; esac
# the kit's shell library: kit_start, kit_stop, kit_children, pick_port
source "$DEMO_ROOT/common/kit.sh"
RAWCLIENT=$KIT_BUILD/tests/tools/rawclient

DEMO_BATCH=0
[ "${DEMO_PAUSE:-1}" = 0 ] && DEMO_BATCH=1
[ -t 0 ] || DEMO_BATCH=1
for arg in "$@"; do
	case $arg in
	--batch) DEMO_BATCH=1 ;;
	-h|--help)
		sed -n '2,/^$/s/^# \{0,1\}//p' "$0"
		exit 0 ;;
	*) echo "$(basename "$0"): unknown option $arg (try --help)" >&2
	   exit 2 ;;
	esac
done

SRV_PID=""     # the server's master, leader of its process group
SRV_DIR=""     # its logs and pid file
PORT=""
CLIENT_PIDS=() # background clients to stop at the end

say() { printf '%s\n' "$*"; }
step() { printf '\n== %s\n' "$*"; }

# Wait for Enter, unless in batch mode.
pause() {
	if [ "$DEMO_BATCH" = 1 ]; then
		return 0
	fi
	printf '   [Enter] %s ' "${1:-continue}"
	read -r _ </dev/tty || true
}

# need_binary PATH: stop with a clear message if it is not built.
need_binary() {
	[ -x "$1" ] && return 0
	echo "$(basename "$0"): $1 is not built: run make first" >&2
	exit 1
}

# start_server BINARY DIRECTIVE...: run it in its own session on a free
# port of 127.0.0.1 and wait until it answers (10 s at most). Another
# program may take the port between the look and the bind: the server
# then exits with status 3 and kit_start tries another port.
start_server() {
	local bin=$1
	shift
	need_binary "$bin"
	SRV_DIR=$(mktemp -d "${TMPDIR:-/tmp}/kit-demo.XXXXXX") || exit 1
	if ! kit_start -o "$SRV_DIR/stdout" -e "$SRV_DIR/stderr" -- "$bin" \
		-c "Listen 127.0.0.1:@PORT@" -c "LabHandlers On" \
		-c "ErrorLog $SRV_DIR/error.log" -c "PidFile $SRV_DIR/pid" \
		-c "CustomLog $SRV_DIR/access.log" "$@"; then
		echo "the server did not start: $KIT_WHY" >&2
		cat "$SRV_DIR/stderr" "$SRV_DIR/error.log" >&2 2>/dev/null
		exit 1
	fi
	SRV_PID=$KIT_PID PORT=$KIT_PORT
	# The same process, unless setsid had to fork: the PidFile is the truth.
	[ -s "$SRV_DIR/pid" ] && SRV_PID=$(cat "$SRV_DIR/pid")
	say "server: ${bin#"$DEMO_ROOT"/} (pid $SRV_PID) on 127.0.0.1:$PORT"
	say "  with: $*"
	say "scoreboard: http://127.0.0.1:$PORT/server-status?refresh=1"
	if [ "${DEMO_OPEN:-0}" = 1 ] && [ "$DEMO_BATCH" = 0 ] &&
	   command -v xdg-open >/dev/null; then
		xdg-open "http://127.0.0.1:$PORT/server-status?refresh=1" \
			>/dev/null 2>&1 &
	fi
}

# The stop: the clients, then TERM to the server's process group, KILL
# after 5 s (kit_stop). Runs on every exit.
cleanup() {
	local pid
	kit_end "${CLIENT_PIDS[@]}"
	for pid in "$SRV_PID" "${KIT_STARTING:-}"; do
		kit_stop "$pid"
	done
	SRV_PID=""
	[ -n "$SRV_DIR" ] && rm -rf "$SRV_DIR"
	SRV_DIR=""
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# status KEY: one value of /server-status?auto ("" if it did not answer
# within 1 s: it needs an idle worker too).
status() {
	kit_status_value "$PORT" "$1" 1
}

# Live children of the master.
children() {
	kit_children "$SRV_PID" | wc -l
}

# Requests answered so far: lines of the access log.
logged() {
	if [ -f "$SRV_DIR/access.log" ]; then
		wc -l <"$SRV_DIR/access.log"
	else
		echo 0
	fi
}

# ---- The starvation scenario of worker.sh and event.sh ----

# One child of two threads; an idle keep-alive connection may wait 3 s.
STARVE_DIRECTIVES=(-c 'ThreadsPerChild 2' -c 'ServerLimit 1'
	-c 'StartServers 1' -c 'MaxRequestWorkers 2' -c 'MinSpareThreads 1'
	-c 'MaxSpareThreads 3' -c 'KeepAliveTimeout 3')
GET_1K='GET /files/1k.txt HTTP/1.1\r\nHost: demo\r\n\r\n'

# hold_idle N: N connections that each make one request, read the answer,
# then say nothing (keep-alive), until the server closes them.
hold_idle() {
	local want=$(( $(logged) + $1 )) deadline=$((SECONDS + 5))
	need_binary "$RAWCLIENT"
	"$RAWCLIENT" -k "$1" -t 10000 "$PORT" "$GET_1K" >/dev/null 2>&1 &
	CLIENT_PIDS+=($!)
	until [ "$(logged)" -ge "$want" ] || [ "$SECONDS" -ge "$deadline" ]; do
		sleep 0.05
	done
	say "$1 requests answered; the $1 connections now stay open, idle"
}

# backlog: connections waiting in the listening socket's accept queue
# (ss shows them as Recv-Q of the LISTEN line).
backlog() {
	command -v ss >/dev/null || { echo "?"; return; }
	ss -ltn "sport = :$PORT" | awk 'NR == 2 { print $2 }'
}

# timed_request: one more client, timed by curl itself; while it waits,
# the length of the listen backlog. Prints "third request: HTTP CODE in
# N ms".
timed_request() {
	local out=$SRV_DIR/timed pid code secs
	curl -s -o /dev/null -w '%{http_code} %{time_total}\n' --max-time 15 \
		"http://127.0.0.1:$PORT/files/1k.txt" >"$out" &
	pid=$!
	CLIENT_PIDS+=("$pid")
	sleep 0.5
	say "0.5 s later: $(backlog) connection(s) in the listen backlog"
	wait "$pid"
	read -r code secs <"$out"
	say "third request: HTTP $code in $(awk -v s="$secs" \
		'BEGIN { printf "%.1f", s * 1000 }') ms"
}
