#!/usr/bin/env bats
# config.bats - the command line and the configuration of a real server.
#
# What it teaches: a server's first user interface is its command line.
# -h and -v answer at once; -t checks a configuration and prints the value
# of every directive; a bad directive stops the server with one line that
# names the file, the line and the directive, and exit status 1; a port
# that is already taken is said plainly. Then what start-up and shutdown
# leave behind: the PidFile, the error log's first lines, one access log
# line per request, and a reload (HUP) that rebinds a changed Listen or
# keeps the old configuration when the new one is wrong.
#
# Runs against 01-prefork/prefork (MPM=worker or event work too, except
# for the prefork-only directives, which those tests skip).

load helpers

teardown() {
	stop_server
}

# The directive that only this MPM has, for the MPM-specific checks.
only_prefork() {
	[ "$MPM" = prefork ] || skip "prefork-only directive"
}

port_closed() { # PORT
	! port_in_use "$1"
}

# Run the server's -t into $out (stdout) and $err (stderr), $rc the status.
check_config() {
	[ -x "$BIN" ] || fail "no server binary $BIN (run make)" || return 1
	rc=0
	out="$("$BIN" -t "$@" 2>"$BATS_TEST_TMPDIR/stderr")" || rc=$?
	err="$(cat "$BATS_TEST_TMPDIR/stderr")"
}

# The one line of a -t dump for NAME ("StartServers 5").
dump_line() { # NAME
	grep -E "^$1 " <<<"$out"
}

@test "-h documents exit status 3 for an address in use" {
	run "$BIN" -h
	assert_contains "$output" "3 when a Listen address is already in use"
}

@test "-h lists every option with examples and exits 0" {
	[ -x "$BIN" ] || fail "no server binary $BIN (run make)"
	run "$BIN" -h
	[ "$status" -eq 0 ]
	for opt in "-f FILE" "-c " "-t " "-h " "-v "; do
		assert_contains "$output" "$opt"
	done
	assert_contains "$output" "Examples:"
	assert_contains "$output" "-c 'Listen 127.0.0.1:8080'"
}

@test "-v prints the kit, the MPM and the version" {
	[ -x "$BIN" ] || fail "no server binary $BIN (run make)"
	run "$BIN" -v
	[ "$status" -eq 0 ]
	assert_match "$output" "^mpm-kit $MPM 1\.0 \("
}

@test "an unknown option prints the usage on stderr and exits 1" {
	[ -x "$BIN" ] || fail "no server binary $BIN (run make)"
	run "$BIN" -x
	[ "$status" -eq 1 ]
	assert_contains "$output" "unknown option -x"
	assert_contains "$output" "Usage:"
	out="$("$BIN" -x 2>/dev/null)" || true
	assert_equal "$out" "" "stdout"
}

@test "-t with the defaults: Syntax OK and every directive's value" {
	check_config
	assert_equal "$rc" 0 "exit status"
	assert_equal "$err" "" "stderr"
	assert_equal "$(head -n 1 <<<"$out")" "Syntax OK"
	for d in "Listen 8080" "ListenBacklog 511" "KeepAlive On" \
		"KeepAliveTimeout 5" "MaxKeepAliveRequests 100" "Timeout 60" \
		"LimitRequestLine 8190" "LimitRequestFieldSize 8190" \
		"LimitRequestFields 100" "LimitRequestBody 1073741824" \
		"DirectoryIndex index.html" "LabHandlers Off" \
		"CustomLog off" "MaxConnectionsPerChild 0"; do
		grep -qx "$d" <<<"$out" || fail "no line [$d] in -t output"
	done
	assert_equal "$(dump_line DocumentRoot)" "DocumentRoot $HTDOCS"
	case "$MPM" in
	prefork) expect="StartServers 5,MinSpareServers 5,MaxSpareServers 10"
		 expect="$expect,ServerLimit 256,MaxRequestWorkers 256"
		 assert_not_contains "$out" ThreadsPerChild ;;
	*)	 expect="StartServers 3,MinSpareThreads 75,MaxSpareThreads 250"
		 expect="$expect,ThreadsPerChild 25,ThreadLimit 64"
		 expect="$expect,ServerLimit 16,MaxRequestWorkers 400"
		 assert_not_contains "$out" MinSpareServers ;;
	esac
	IFS=, read -ra lines <<<"$expect"
	for d in "${lines[@]}"; do
		grep -qx "$d" <<<"$out" || fail "no line [$d] in -t output"
	done
}

@test "-t shows -c overrides, the ms suffix and the 2.2 name MaxClients" {
	check_config -c 'KeepAliveTimeout 300ms' -c 'MaxClients 50' \
		-c 'Listen 127.0.0.1:9999' -c 'Listen 9998' -c 'keepalive off'
	assert_equal "$rc" 0 "exit status"
	assert_equal "$(dump_line KeepAliveTimeout)" "KeepAliveTimeout 300ms"
	assert_equal "$(dump_line KeepAlive)" "KeepAlive Off"
	assert_equal "$(dump_line Listen | tr '\n' ' ')" \
		"Listen 127.0.0.1:9999 Listen 9998 "
	[ "$MPM" != prefork ] ||
		assert_equal "$(dump_line MaxRequestWorkers)" \
			"MaxRequestWorkers 50"
}

@test "-t reads -f, applies -c after it, and its dump reads back the same" {
	conf="$BATS_TEST_TMPDIR/kit.conf"
	printf '%s\n' '# a comment' '' 'KeepAliveTimeout 2' \
		'Timeout 30' 'ServerName "test host"' \
		'Listen \' '   127.0.0.1:9000' >"$conf"
	check_config -f "$conf" -c 'Timeout 7'
	assert_equal "$rc" 0 "exit status"
	assert_equal "$(dump_line KeepAliveTimeout)" "KeepAliveTimeout 2"
	assert_equal "$(dump_line Timeout)" "Timeout 7"
	assert_equal "$(dump_line ServerName)" 'ServerName "test host"'
	assert_equal "$(dump_line Listen)" "Listen 127.0.0.1:9000"
	first="$out"
	tail -n +2 <<<"$out" >"$BATS_TEST_TMPDIR/dump.conf"
	check_config -f "$BATS_TEST_TMPDIR/dump.conf"
	assert_equal "$rc" 0 "exit status of the re-read"
	assert_equal "$out" "$first" "dump of the re-read dump"
}

@test "a bad value in a file names the file, the line and the directive" {
	conf="$BATS_TEST_TMPDIR/bad.conf"
	printf '%s\n' 'KeepAlive On' '# comment' '' 'KeepAliveTimeout abc' \
		>"$conf"
	check_config -f "$conf"
	assert_equal "$rc" 1 "exit status"
	assert_equal "$out" "" "stdout"
	assert_contains "$err" "$conf:4: KeepAliveTimeout: \"abc\" is not a valid time (expected seconds, e.g. 5, or milliseconds, e.g. 300ms)"
	assert_equal "$(wc -l <<<"$err")" 1 "lines of stderr"
}

@test "an unknown directive is named, with a hint" {
	check_config -c 'KeepAliveTimout 5'
	assert_equal "$rc" 1 "exit status"
	assert_contains "$err" '-c: Unknown directive "KeepAliveTimout" (is it misspelled?)'
}

@test "a wrong number of arguments says what the directive takes" {
	check_config -c 'KeepAlive'
	assert_equal "$rc" 1 "exit status"
	assert_contains "$err" "-c: KeepAlive takes one argument, On or Off"
	check_config -c 'Listen 1 2'
	assert_equal "$rc" 1 "exit status"
	assert_contains "$err" "Listen takes one argument, [address:]port"
}

@test "a value out of range gives the range" {
	check_config -c 'MaxRequestWorkers 0'
	assert_equal "$rc" 1 "exit status"
	assert_contains "$err" "-c: MaxRequestWorkers 0 is out of range (1 to 20000)"
	check_config -c 'Listen 127.0.0.1:70000'
	assert_equal "$rc" 1 "exit status"
	assert_contains "$err" 'port "70000" is not a number from 1 to 65535'
	check_config -c 'LimitRequestFields 1000'
	assert_equal "$rc" 1 "exit status"
	assert_contains "$err" "HTTP_MAX_HEADERS"
}

@test "MinSpareServers above MaxSpareServers is refused with both values" {
	only_prefork
	check_config -c 'MinSpareServers 20' -c 'MaxSpareServers 10'
	assert_equal "$rc" 1 "exit status"
	assert_contains "$err" "MinSpareServers 20 is greater than MaxSpareServers 10"
	assert_contains "$err" "make MaxSpareServers at least 21"
}

@test "MaxRequestWorkers above ServerLimit is lowered with a warning" {
	only_prefork
	check_config -c 'ServerLimit 8' -c 'MaxRequestWorkers 20'
	assert_equal "$rc" 0 "exit status"
	assert_contains "$err" "warning: MaxRequestWorkers 20 is greater than ServerLimit 8"
	assert_equal "$(dump_line MaxRequestWorkers)" "MaxRequestWorkers 8"
	assert_not_contains "$out" "warning"
}

@test "a directive of another MPM is refused and says whose it is" {
	only_prefork
	check_config -c 'ThreadsPerChild 10'
	assert_equal "$rc" 1 "exit status"
	assert_contains "$err" "-c: ThreadsPerChild is not a prefork directive (it belongs to the worker and event MPMs)"
}

@test "a missing DocumentRoot or config file is one clear line" {
	check_config -c "DocumentRoot $BATS_TEST_TMPDIR/nowhere"
	assert_equal "$rc" 1 "exit status"
	assert_contains "$err" "DocumentRoot: $BATS_TEST_TMPDIR/nowhere: No such file or directory"
	check_config -f "$BATS_TEST_TMPDIR/none.conf"
	assert_equal "$rc" 1 "exit status"
	assert_contains "$err" "none.conf: cannot read the configuration file: No such file or directory"
}

@test "a port already taken: the second server says so and exits 3" {
	start_server
	run timeout 10 "$BIN" -c "Listen 127.0.0.1:$PORT" -c "PidFile $BATS_TEST_TMPDIR/second.pid"
	[ "$status" -eq 3 ] || fail "exit status $status, not 3 (address in use)"
	assert_contains "$output" "Listen 127.0.0.1:$PORT: Address already in use (is another server running on that port?)"
	[ ! -e "$BATS_TEST_TMPDIR/second.pid" ] || fail "the second wrote a PidFile"
	assert_equal "$(http_code /)" 200 "the first still answers"
	pid="$SRV_PID"
	stop_server
	assert_equal "$(group_pids "$pid")" "" "processes left of the first"
}

@test "start-up writes the PidFile and the error log; stop removes the PidFile" {
	start_server
	assert_equal "$(cat "$SRV_DIR/pid")" "$SRV_PID" "PidFile"
	grep -q "\[$MPM:notice\] \[pid $SRV_PID:tid [0-9]*\] mpm-kit/1.0 ($MPM) configured -- resuming normal operations" \
		"$SRV_DIR/error.log" || fail "no start line: $(cat "$SRV_DIR/error.log")"
	grep -q "listening on 127.0.0.1:$PORT" "$SRV_DIR/error.log" ||
		fail "no listen line"
	stop_server
	[ ! -e "$SRV_DIR/pid" ] || fail "PidFile left after the stop"
}

@test "the access log has one Common Log Format line per request" {
	start_server
	assert_equal "$(http_code /small.txt)" 200
	assert_equal "$(http_code /nothing-here)" 404
	log="$SRV_DIR/access.log"
	wait_until -t 5 grep -q nothing-here "$log" || fail "no 404 line"
	size="$(stat -c %s "$HTDOCS/small.txt")"
	clf='^127\.0\.0\.1 - - \[[0-9]{2}/[A-Z][a-z]{2}/[0-9]{4}:[0-9]{2}:[0-9]{2}:[0-9]{2} [+-][0-9]{4}\] '
	assert_equal "$(grep -c small.txt "$log")" 1 "lines for /small.txt"
	assert_match "$(grep small.txt "$log")" \
		"$clf\"GET /small.txt HTTP/1.1\" 200 $size\$"
	assert_match "$(grep nothing-here "$log")" \
		"$clf\"GET /nothing-here HTTP/1.1\" 404 [0-9]+\$"
}

@test "HUP with a broken config keeps the old one and says why" {
	conf="$BATS_TEST_TMPDIR/reload.conf"
	echo 'KeepAliveTimeout 2' >"$conf"
	start_server -f "$conf"
	echo 'KeepAliveTimeout soon' >"$conf"
	kill -HUP "$SRV_PID"
	wait_until -t 10 grep -q "configuration not reloaded" "$SRV_DIR/error.log" ||
		fail "no reload error: $(cat "$SRV_DIR/error.log")"
	grep -q 'KeepAliveTimeout: "soon" is not a valid time' "$SRV_DIR/error.log"
	wait_until -t 10 test "$(http_code /)" = 200 || fail "no longer answers"
}

@test "HUP after Listen changed in the file binds the new address" {
	conf="$BATS_TEST_TMPDIR/listen.conf"
	old="$(pick_port)"
	echo "Listen 127.0.0.1:$old" >"$conf"
	start_server -f "$conf"
	first="$PORT"
	PORT="$old"
	wait_until -t 10 test "$(http_code /)" = 200 || fail "file's Listen"
	new="$(pick_port)"
	echo "Listen 127.0.0.1:$new" >"$conf"
	kill -HUP "$SRV_PID"
	PORT="$new"
	wait_until -t 10 test "$(http_code /)" = 200 || fail "new Listen"
	PORT="$old"
	wait_until -t 10 port_closed "$old" || fail "old port still open"
	PORT="$first"
	assert_equal "$(http_code /)" 200 "the -c Listen stays"
}
