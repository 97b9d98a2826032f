#!/usr/bin/env bats
# security.bats - privileges and the security notes (SECURITY.md).
#
# When started as root with User (and Group), the children that serve
# requests switch to that user after the master has bound its ports, as
# Apache's do; without User, root gets a warning. CI runs as root, which
# these tests need: as another user they skip and say why.

load helpers

setup() { need_binaries; }
teardown() { stop_server; }

uid_of() { awk '/^Uid:/ { print $3 }' "/proc/$1/status"; }

@test "User nobody: the children serve as nobody, the master stays root" {
	[ "$(id -u)" -eq 0 ] || skip "switching users needs root (CI runs as root)"
	nobody=$(id -u nobody 2>/dev/null) || skip "no user nobody on this machine"
	start_server -c 'User nobody' -c 'StartServers 2'
	assert_equal "$(http_code /files/1k.txt)" 200 "a file served by nobody"
	assert_equal "$(uid_of "$SRV_PID")" 0 "the master's effective uid"
	kids=$(children_pids)
	[ -n "$kids" ] || fail "no children"
	for pid in $kids; do
		assert_equal "$(uid_of "$pid")" "$nobody" "child $pid's effective uid"
	done
	! grep -q "running as root without User" "$SRV_DIR/error.log" ||
		fail "warned although User is set"
}

@test "as root without User, the error log warns that children keep root" {
	[ "$(id -u)" -eq 0 ] || skip "the warning is for root (CI runs as root)"
	start_server
	grep -q "running as root without User" "$SRV_DIR/error.log" ||
		fail "no warning: $(cat "$SRV_DIR/error.log")"
}

@test "an unknown User or a Group without User is a configuration error" {
	run "$BIN" -t -c 'User no-such-user-here'
	[ "$status" -eq 1 ]
	assert_contains "$output" 'User: no such user "no-such-user-here"'
	run "$BIN" -t -c 'Group root'
	[ "$status" -eq 1 ]
	assert_contains "$output" "Group root needs User too"
}

@test "SECURITY.md names only directives the servers know" {
	doc="$ROOT/SECURITY.md"
	[ -f "$doc" ] || fail "SECURITY.md is missing"
	bins="$(in_root "${KIT_BIN:-.}")"
	known=$(for b in 01-prefork/prefork 02-worker/worker 03-event/event; do
		"$bins/$b" -t 2>/dev/null | awk '{ print $1 }'; done)
	names=$(grep -oE '`[A-Z][A-Za-z]+( [^`]*)?`' "$doc" | tr -d '`' | awk '{ print $1 }' | sort -u)
	[ -n "$names" ] || fail "SECURITY.md names no directive"
	for name in $names; do
		grep -qx "$name" <<<"$known" || fail "SECURITY.md names $name, which -t does not list"
	done
	grep -q "LabHandlers" "$doc" || fail "no warning about LabHandlers"
}
