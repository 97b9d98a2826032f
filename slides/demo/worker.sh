#!/usr/bin/env bash
# slides/demo/worker.sh - the KeepAliveTimeout trap: two idle keep-alive
# clients starve a worker child of two threads.
#
# Starts 02-worker/worker with ThreadsPerChild 2, ServerLimit 1 and
# KeepAliveTimeout 3; two clients (tests/tools/rawclient -k 2) make one
# request each and keep their connections open, saying nothing. A third
# request then waits until KeepAliveTimeout frees a thread: about 3 s with
# an idle CPU. slides/demo/event.sh runs the same case on 03-event.
# About 10 s. Deck: slides/decks/03-worker.md.
#
#   slides/demo/worker.sh [--batch]
#
# --batch (or DEMO_PAUSE=0): no pauses. DEMO_OPEN=1: open the scoreboard
# in a browser.
set -u
. "$(dirname "$0")/lib.sh"

step "worker: one child of 2 threads, KeepAliveTimeout 3"
start_server "$KIT_BIN/02-worker/worker" "${STARVE_DIRECTIVES[@]}"
say "now: Scoreboard: $(status Scoreboard)   (the W is this /server-status request)"
say "next: two clients make one request each and stay connected, silent;"
say "then a third client comes (both steps at once: KeepAliveTimeout is 3 s)"
pause "start the clients"

step "two clients make one request each, then stay connected and silent"
hold_idle 2
say "each holds a thread in conn_serve() until KeepAliveTimeout (slot K);"
say "the listener sees no idle thread, so it does not accept"

step "a third client: connected by the kernel, waiting in the backlog"
timed_request
say "it waited for KeepAliveTimeout to free a thread, with the CPU idle"
say "now: Scoreboard: $(status Scoreboard)"
say "(/server-status itself needs a thread: during the wait it could not answer)"
pause "stop the server"
step "done: the server is stopped; now run slides/demo/event.sh"
