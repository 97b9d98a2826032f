#!/usr/bin/env bash
# Lab 7 - isolation and compatibility: what one bad request takes down,
# what non-thread-safe code does under threads, and what
# MaxConnectionsPerChild does to a leak.
#
# crash:  while CLIENTS clients keep /lab/sleep?ms=200 requests in flight,
#         the script sends CRASHES requests to /lab/crash, one a second.
#         Requests lost = crash requests that got no answer + the clients'
#         requests that failed (loadgen's errors).
# unsafe: UNSAFE_N requests to /lab/unsafe (a "legacy library" keeping the
#         request in a global variable), 16 at a time (curl --parallel);
#         counts the answers marked CORRUPTED.
# leak:   an open-loop stream of one-request connections to
#         /lab/leak?kb=64 (LEAK_RATE a second) with and without
#         MaxConnectionsPerChild LEAK_MCPC; the server's PSS every 0.5 s.
#
#   ./run.sh            5 crashes, 1000 unsafe requests, 8 s of leak per
#                       series, all three servers (about 1.5 minutes)
#   QUICK=1 ./run.sh    2 crashes, 200 requests, 2.5 s of leak for prefork
#                       and worker (about 30 s)
#   PARTS="crash unsafe" ./run.sh
#
# Writes results/crash.csv + crash.svg, results/unsafe.csv + unsafe.svg,
# results/leak.csv + leak.svg (and leak-summary.csv: requests served and
# peak memory per series).
#
# Budget: 150 s, QUICK=1 60 s (any number of cores: crashes, races and
# leaks do not need the cores loaded; more cores only make the race in
# /lab/unsafe more frequent).
set -u
. "$(dirname "$0")/../common.sh"
plan_init
MPMS="${MPMS:-prefork worker event}"
PARTS="${PARTS:-crash unsafe leak}"
CLIENTS="${CLIENTS:-20}"
LEAK_RATE="${LEAK_RATE:-100}"
LEAK_MCPC="${LEAK_MCPC:-50}"
if [ "$QUICK" = 1 ]; then
	CRASHES="${CRASHES:-2}" UNSAFE_N="${UNSAFE_N:-200}"
	LEAK_SECS="${LEAK_SECS:-2.5}" LEAK_MPMS="${LEAK_MPMS:-prefork worker}"
else
	CRASHES="${CRASHES:-5}" UNSAFE_N="${UNSAFE_N:-1000}"
	LEAK_SECS="${LEAK_SECS:-8}" LEAK_MPMS="${LEAK_MPMS:-$MPMS}"
fi
n_mpms="$(plan_count "$MPMS")"
plan_load "clients on /lab/sleep during the crashes" "$CLIENTS" io \
	"$SERVER_CORES"
plan_load "/lab/unsafe, curl --parallel" 16 io "$SERVER_CORES"
plan_load "/lab/leak at $LEAK_RATE/s" 4 io "$SERVER_CORES"
for part in $PARTS; do
	case $part in
	crash) plan_point "crash: $MPMS" "$n_mpms" $((CRASHES + 3)) ;;
	unsafe) plan_point "unsafe: $MPMS" "$n_mpms" \
		$((UNSAFE_N / 200 + 1)) ;;
	leak) plan_point "leak: $LEAK_MPMS, with and without" \
		$(($(plan_count "$LEAK_MPMS") * 2)) \
		"$(awk -v s="$LEAK_SECS" 'BEGIN { print s + 1 }')" ;;
	esac
done
plan_done
lab_init 07-isolation-and-compatibility
need_servers $MPMS
need_fds 1024

# prefork gets enough children for the clients from the start, so that no
# request waits for the pool to grow.
start_for() { # MPM [DIRECTIVE...]
	local mpm="$1"

	shift
	if [ "$mpm" = prefork ]; then
		server_start prefork 'StartServers 30' 'MinSpareServers 10' \
			'MaxSpareServers 40' "$@"
	else
		server_start "$mpm" "$@"
	fi
	sleep 0.5
}

crash_part() {
	local csv="$RESULTS/crash.csv" mpm out code unanswered errors ok lost
	local header

	header="$(loadgen_header)"
	csv_init "$csv" mpm what crashes crash_unanswered other_lost \
		other_ok lost_per_crash
	for mpm in $MPMS; do
		start_for "$mpm"
		out="$RESULTS/logs/crash-$mpm.csv"
		client_start "$LOADGEN" --csv -q -t "$LOADGEN_THREADS" \
			-c "$CLIENTS" --timeout 10s \
			-d "$((CRASHES + 2))s" \
			"http://127.0.0.1:$SRV_PORT/lab/sleep?ms=200" >"$out"
		sleep 1
		unanswered=0
		for _ in $(seq "$CRASHES"); do
			code="$(curl -s -o /dev/null -w '%{http_code}' \
				--max-time 5 \
				"http://127.0.0.1:$SRV_PORT/lab/crash")"
			[ "$code" = 000 ] && unanswered=$((unanswered + 1))
			sleep 1
		done
		wait "$CLIENT_PID"
		client_stop "$CLIENT_PID"
		errors="$(loadgen_field "$header" "$(sed -n 2p "$out")" errors)"
		ok="$(loadgen_field "$header" "$(sed -n 2p "$out")" requests)"
		lost="$(awk -v u="$unanswered" -v e="${errors:-0}" \
			-v k="$CRASHES" 'BEGIN { printf "%.1f", (u + e) / k }')"
		csv_row "$csv" "$mpm" "lost per crash" "$CRASHES" \
			"$unanswered" "${errors:-0}" "${ok:-0}" "$lost"
		say "crash  $mpm: $CRASHES crashes;" \
		    "$unanswered crash requests" \
		    "unanswered; other clients lost ${errors:-0} requests" \
		    "(${ok:-0} answered): $lost requests lost per crash"
		grep -m 1 'exit signal' "$SRV_LOG" | sed 's/^/    /'
		server_stop "$SRV_PID"
	done
	plot -t bar -i "$csv" -o "$RESULTS/crash.svg" -x what \
		-y lost_per_crash -s mpm \
		-T "Requests lost per /lab/crash ($CLIENTS clients in flight)" \
		-X "$CRASHES crashes, one a second, per server" \
		-Y "requests lost per crash (the crash included)"
}

unsafe_part() {
	local csv="$RESULTS/unsafe.csv" mpm body answers bad url

	csv_init "$csv" mpm what requests answers corrupted corrupted_pct
	for mpm in $MPMS; do
		start_for "$mpm"
		# The n= parameter only makes each URL different.
		url="http://127.0.0.1:$SRV_PORT/lab/unsafe?ms=2&n=[1-$UNSAFE_N]"
		body="$(curl -s --no-progress-meter --parallel \
			--parallel-max 16 --max-time 30 "$url" 2>/dev/null)"
		answers="$(grep -c 'expected=' <<<"$body")"
		bad="$(grep -c CORRUPTED <<<"$body")"
		csv_row "$csv" "$mpm" "wrong answers" "$UNSAFE_N" \
			"$answers" "$bad" \
			"$(awk -v b="$bad" -v a="$answers" \
			'BEGIN { printf "%.1f", a ? 100 * b / a : 0 }')"
		say "unsafe $mpm: $answers answers to $UNSAFE_N requests," \
		    "$bad CORRUPTED"
		grep -m 1 CORRUPTED <<<"$body" | sed 's/^/    e.g. /'
		server_stop "$SRV_PID"
	done
	plot -t bar -i "$csv" -o "$RESULTS/unsafe.svg" -x what \
		-y corrupted_pct -s mpm \
		-T "/lab/unsafe: wrong answers, 16 requests at a time" \
		-X "$UNSAFE_N requests per server" \
		-Y "answers marked CORRUPTED (%)"
}

# Seconds from START_NS to NOW_NS, one decimal.
seconds_since() {
	awk -v s="$1" -v n="$2" 'BEGIN { printf "%.1f", (n - s) / 1e9 }'
}

leak_part() {
	local csv="$RESULTS/leak.csv" mpm mcpc label start t end pss out row
	local sum="$RESULTS/leak-summary.csv" header peak

	header="$(loadgen_header)"
	csv_init "$csv" series mpm max_connections_per_child t_s pss_mib
	csv_init "$sum" series mpm max_connections_per_child requests errors \
		p99_ms peak_pss_mib children_seen
	for mpm in $LEAK_MPMS; do
		for mcpc in 0 "$LEAK_MCPC"; do
			label="$mpm"
			[ "$mcpc" = 0 ] ||
				label="$mpm (MaxConnectionsPerChild $mcpc)"
			# The default pool: how many children share the
			# connections decides how soon each is recycled.
			server_start "$mpm" "MaxConnectionsPerChild $mcpc"
			sleep 0.5
			out="$RESULTS/logs/leak-$mpm-$mcpc.csv"
			client_start "$LOADGEN" --csv -q -t "$LOADGEN_THREADS" \
				-c 4 --close \
				-R "$LEAK_RATE" -d "${LEAK_SECS}s" \
				"http://127.0.0.1:$SRV_PORT/lab/leak?kb=64" \
				>"$out"
			start="$(date +%s%N)" peak=0
			end="$(awk -v s="$start" -v d="$LEAK_SECS" \
				'BEGIN { printf "%.0f", s + d * 1e9 }')"
			while :; do
				t="$(date +%s%N)"
				pss="$(server_pss_kib "$SRV_PID")"
				[ "$pss" -gt "$peak" ] && peak="$pss"
				group_pids "$SRV_PID" >>"$out.pids"
				csv_row "$csv" "$label" "$mpm" "$mcpc" \
					"$(seconds_since "$start" "$t")" \
					"$(kib_to_mib "$pss")"
				[ "$t" -lt "$end" ] || break
				sleep 0.5
			done
			wait "$CLIENT_PID"
			client_stop "$CLIENT_PID"
			server_stop "$SRV_PID"
			row="$(sed -n 2p "$out")"
			# Children seen in the samples (a short-lived one can
			# slip between two): how often the pool was renewed.
			csv_row "$sum" "$label" "$mpm" "$mcpc" \
				"$(loadgen_field "$header" "$row" requests)" \
				"$(loadgen_field "$header" "$row" errors)" \
				"$(loadgen_field "$header" "$row" p99_ms)" \
				"$(kib_to_mib "$peak")" \
				$(( $(sort -u "$out.pids" | wc -l) - 1 ))
			rm -f "$out.pids"
			say "leak   $label: PSS $(kib_to_mib "$pss") MiB" \
			    "after" \
			    "$LEAK_SECS s (peak $(kib_to_mib "$peak") MiB);" \
			    "$(loadgen_field "$header" "$row" requests) leaks" \
			    "of 64 KiB served, p99" \
			    "$(loadgen_field "$header" "$row" p99_ms) ms"
		done
	done
	plot -i "$csv" -o "$RESULTS/leak.svg" -x t_s -y pss_mib -s series \
		-T "A leak of 64 KiB a request, $LEAK_RATE requests a second" \
		-X "time (s)" -Y "PSS of the whole server (MiB)"
}

for part in $PARTS; do
	case $part in
	crash) crash_part ;;
	unsafe) unsafe_part ;;
	leak) leak_part ;;
	*) die "unknown part $part (crash, unsafe, leak)" ;;
	esac
done
lab_done
