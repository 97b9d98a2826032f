#!/usr/bin/env bash
# slides/demo/prefork.sh - prefork's pool of children follows the load.
#
# Starts 01-prefork/prefork with StartServers 2, MinSpareServers 2 and
# MaxSpareServers 4, then 12 clients that each hold a child for 5 s
# (/lab/sleep?ms=5000). Once a second it prints the number of children
# and the scoreboard: the master forks 1, 2, 4, 8 children a second while
# idle ones are short, then retires one a second when the load is gone.
# About 20 s. Deck: slides/decks/02-prefork.md.
#
#   slides/demo/prefork.sh [--batch]
#
# --batch (or DEMO_PAUSE=0): no pauses. DEMO_OPEN=1: open the scoreboard
# in a browser.
set -u
. "$(dirname "$0")/lib.sh"

CLIENTS=12
HOLD_MS=5000

# watch_pool SECONDS: once a second, the children and their letters. The
# scoreboard comes from /server-status, which needs an idle child too.
watch_pool() {
	local t0 ms sb
	t0=$(now_ms)
	while :; do
		sleep 1
		ms=$(( $(now_ms) - t0 ))
		sb=$(status Scoreboard | cut -c1-36)
		[ -n "$sb" ] || sb="(no child was free to answer /server-status)"
		printf 't=%d.%ds  %2d children  Scoreboard: %s\n' \
			$((ms / 1000)) $((ms % 1000 / 100)) "$(children)" "$sb"
		[ "$ms" -lt $(($1 * 1000)) ] || break
	done
}

step "prefork: StartServers 2, MinSpareServers 2, MaxSpareServers 4"
start_server "$KIT_BIN/01-prefork/prefork" -c 'StartServers 2' \
	-c 'MinSpareServers 2' -c 'MaxSpareServers 4' \
	-c 'MaxRequestWorkers 32' -c 'KeepAliveTimeout 2'
say "look at: the number of children, and the letters of the scoreboard"
say "  (one letter per child: _ idle, W busy, . no child in that slot;"
say "  one W is the /server-status request itself)"
sleep 1
say "now: $(children) children   Scoreboard: $(status Scoreboard | cut -c1-36)"
pause "start $CLIENTS slow clients"

step "$CLIENTS clients, each holding a child for $((HOLD_MS / 1000)) s"
for i in $(seq "$CLIENTS"); do
	curl -s -o /dev/null --max-time 20 \
		"http://127.0.0.1:$PORT/lab/sleep?ms=$HOLD_MS" &
	CLIENT_PIDS+=($!)
done
watch_pool 5
say "the master forked 1, then 2, 4, 8 a second while fewer than"
say "MinSpareServers children were idle (common/master.c: spawn_for_shortage)"
grep -h 'spawning\|MaxRequestWorkers' "$SRV_DIR/error.log" 2>/dev/null |
	sed 's/^/  error log: /' | head -n 3
pause "watch the pool shrink"

step "the load is gone: one idle child retired a second, toward MaxSpareServers 4"
for pid in "${CLIENT_PIDS[@]}"; do
	wait "$pid" 2>/dev/null
done
CLIENT_PIDS=()
watch_pool 6
say "each idle child above MaxSpareServers gets SIGUSR1 and exits gracefully"
say "(common/master.c: perform_idle_maintenance)"
pause "stop the server"
step "done: the server is stopped"
