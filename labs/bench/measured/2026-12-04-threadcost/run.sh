#!/usr/bin/env bash
# 2-core proxies for event's many-core ceiling: threadcost per scenario.
# Used for labs/bench/README.md "Event's listener on many cores". Run from
# anywhere after make; prints what labs/tools/threadcost prints, per round.
cd "$(dirname "$0")/../../../.." || exit 1
port=$((30000 + RANDOM % 20000))
conf=(-c "Listen 127.0.0.1:$port" -c 'StartServers 4' -c 'ServerLimit 4' -c 'ThreadsPerChild 32' -c 'MaxRequestWorkers 128' -c 'MinSpareThreads 32' -c 'MaxSpareThreads 128' -c 'ErrorLog /dev/null')
for mpm in worker event; do
  bin=$( [ $mpm = worker ] && echo 02-worker/worker || echo 03-event/event )
  setsid $bin "${conf[@]}" </dev/null >/dev/null 2>&1 & pid=$!
  sleep 1.5
  for c in 1 16 64 256; do
    for r in 1 2 3; do
      echo "== $mpm ka-$c round $r"
      labs/tools/threadcost $pid -- -c $c -w 1s -d 3s http://127.0.0.1:$port/files/1k.txt
    done
  done
  echo "== $mpm close-64"
  labs/tools/threadcost $pid -- -c 64 --close -w 1s -d 3s http://127.0.0.1:$port/files/1k.txt
  kill -TERM $pid; wait $pid 2>/dev/null
done
