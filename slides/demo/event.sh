#!/usr/bin/env bash
# slides/demo/event.sh - worker's starvation case on the event MPM: the
# idle keep-alive clients wait in the listener, the threads stay free.
#
# The same directives and clients as slides/demo/worker.sh (ThreadsPerChild
# 2, ServerLimit 1, KeepAliveTimeout 3, two idle keep-alive clients), on
# 03-event/event. The scoreboard shows no thread in keep-alive ('K') but
# ConnsAsyncKeepAlive: 2, and a third request is served at once.
# About 5 s. Deck: slides/decks/04-event.md.
#
#   slides/demo/event.sh [--batch]
#
# --batch (or DEMO_PAUSE=0): no pauses. DEMO_OPEN=1: open the scoreboard
# in a browser.
set -u
. "$(dirname "$0")/lib.sh"

step "event: one child of 2 threads, KeepAliveTimeout 3 (as in worker.sh)"
start_server "$KIT_BIN/03-event/event" "${STARVE_DIRECTIVES[@]}"
say "now: Scoreboard: $(status Scoreboard)   (the W is this /server-status request)"
say "next: two clients make one request each and stay connected, silent;"
say "then a third client comes, as in worker.sh"
pause "start the clients"

step "two clients make one request each, then stay connected and silent"
hold_idle 2
say "now: Scoreboard: $(status Scoreboard)   ConnsAsyncKeepAlive: $(status ConnsAsyncKeepAlive)"
say "no thread is in K (the W is /server-status): the listener holds both"
say "connections in its epoll set, in the CS_KEEPALIVE timeout queue"

step "a third client"
timed_request
say "served at once: no thread was waiting for the idle clients"
pause "stop the server"
step "done: the server is stopped"
