#!/usr/bin/env bats
# doctor.bats - `make doctor` (tools/doctor) tells the truth about a machine:
# a required tool hidden from PATH is named, with its Debian/Ubuntu and
# Fedora package, and the exit status is 1; with only the required tools
# there the status is 0 and every optional one is listed as missing, with
# what it costs; too low settings (open files, somaxconn, mmap_rnd_bits) are
# named.
#
# What it teaches: a check of the environment is a program like any other,
# and must be tested by changing the environment: here a PATH of symbolic
# links that leaves out exactly what a test wants missing, and a fake /proc.

load helpers

DOCTOR="$ROOT/tools/doctor"

# What the doctor itself runs, and what make test needs.
BASICS="bash head uname nproc getconf"
REQUIRED="cc make bats curl awk setsid timeout ps taskset ss"

# fake_path TOOL...: a folder of links to the basics and the required
# tools, except the ones named; prints its path.
fake_path() {
	local dir="$BATS_TEST_TMPDIR/bin" t p hide=" $* "

	rm -rf "$dir"
	mkdir -p "$dir"
	for t in $BASICS $REQUIRED; do
		case $hide in *" $t "*) continue ;; esac
		if [ "$t" = cc ]; then
			p=$(command -v cc || command -v gcc || command -v clang)
		else
			p=$(command -v "$t")
		fi || {
			echo "$t is not on this machine, though make test needs it" >&2
			return 1
		}
		ln -s "$p" "$dir/$t"
	done
	echo "$dir"
}

# doctor_with PATHDIR: run the doctor with only that folder in PATH.
doctor_with() {
	run env -u CC PATH="$1" "$BASH" "$DOCTOR"
}

@test "doctor: with every required tool present it exits 0" {
	dir=$(fake_path)
	doctor_with "$dir"
	[ "$status" -eq 0 ] || fail "exit $status: $output"
	[[ $output == *"doctor: every required tool and setting is there"* ]] ||
		fail "no all-present summary: $output"
	! grep -q '^  MISSING' <<<"$output" || fail "a required tool reported missing: $output"
}

@test "doctor: the optional tools it cannot find are listed, with what they cost" {
	dir=$(fake_path)
	doctor_with "$dir"
	[ "$status" -eq 0 ] || fail "exit $status: $output"
	for t in strace tcpdump perf clang valgrind wrk; do
		grep -qE "^  missing +$t " <<<"$output" || fail "$t not listed as missing: $output"
	done
	grep -qE '^  missing +strace +lab 1' <<<"$output" || fail "strace: no lab named: $output"
	grep -qE '^  missing +tcpdump +lab 10' <<<"$output" || fail "tcpdump: no lab named: $output"
	# the count in the summary is the number of missing/low lines above it
	n=$(grep -cE '^  (missing|low) ' <<<"$output")
	[[ $output == *"; $n optional missing or low"* ]] || fail "summary does not count $n: $output"
}

# hidden TOOL LINE PACKAGES: with TOOL left out of PATH the doctor exits 1,
# prints a MISSING line matching the regex LINE and the install line
# PACKAGES.
hidden() {
	dir=$(fake_path "$1")
	doctor_with "$dir"
	[ "$status" -eq 1 ] || fail "exit $status, want 1: $output"
	grep -qE "^  MISSING +$2" <<<"$output" || fail "no line like '$2': $output"
	[[ $output == *"install: Debian/Ubuntu: $3"* ]] || fail "no packages '$3': $output"
	[[ $output == *"doctor: 1 required missing"* ]] || fail "summary: $output"
}

@test "doctor: a hidden curl is named with its packages and the exit status is 1" {
	hidden curl 'curl +needed by make test' 'curl; Fedora: curl'
}

@test "doctor: a hidden taskset names lab 3 and util-linux" {
	hidden taskset 'taskset .*lab 3' 'util-linux; Fedora: util-linux'
}

@test "doctor: without a C compiler it says so and exits 1" {
	hidden cc 'C compiler +needed by make' 'gcc (or clang); Fedora: gcc (or clang)'
}

@test "doctor: a hard open-file limit below 4096 fails, naming labs 8 and 10" {
	run bash -c 'ulimit -Sn 512 && ulimit -Hn 512 && exec "$1"' _ "$DOCTOR"
	[ "$status" -eq 1 ] || fail "exit $status, want 1: $output"
	grep -qE '^  LOW +ulimit -n +soft 512, hard 512: labs 8 and 10' <<<"$output" ||
		fail "the limit is not named: $output"
}

@test "doctor: low kernel settings from a fake /proc are named, and stay optional" {
	proc="$BATS_TEST_TMPDIR/proc"
	mkdir -p "$proc/sys/net/core" "$proc/sys/vm" "$proc/sys/kernel/yama"
	echo 128 >"$proc/sys/net/core/somaxconn"
	echo 32 >"$proc/sys/vm/mmap_rnd_bits"
	echo "999.50 8.00 7.00 3/200 1234" >"$proc/loadavg"
	dir=$(fake_path)
	run env -u CC PATH="$dir" DOCTOR_PROC="$proc" "$BASH" "$DOCTOR"
	[ "$status" -eq 0 ] || fail "exit $status: $output"
	grep -qE '^  low +somaxconn +net.core.somaxconn = 128 < ListenBacklog 511' <<<"$output" ||
		fail "somaxconn not named: $output"
	grep -qE '^  low +mmap_rnd_bits .*TSan' <<<"$output" || fail "mmap_rnd_bits not named: $output"
	grep -qE '^  low +load +load average 999.50' <<<"$output" || fail "load not named: $output"
	n=$(grep -cE '^  (missing|low) ' <<<"$output")
	[[ $output == *"; $n optional missing or low"* ]] || fail "summary does not count $n: $output"
}

@test "doctor: make doctor runs it, and its status agrees with its MISSING lines" {
	run make -s -C "$ROOT" doctor
	[[ $output == "mpm-kit doctor: "* ]] || fail "make doctor printed: $output"
	if grep -qE '^  (MISSING|LOW) ' <<<"$output"; then
		[ "$status" -ne 0 ] || fail "required missing, yet exit 0: $output"
	else
		[ "$status" -eq 0 ] || fail "nothing required missing, yet exit $status: $output"
	fi
}

@test "doctor: ptrace_scope 1 for a user who is not root says lab 1 cannot attach" {
	command -v strace >/dev/null || skip "strace is not installed (the ptrace check needs it)"
	strace -f -e trace=none -o /dev/null true 2>/dev/null ||
		skip "strace cannot trace at all here"
	proc="$BATS_TEST_TMPDIR/proc"
	mkdir -p "$proc/sys/kernel/yama"
	echo 1 >"$proc/sys/kernel/yama/ptrace_scope"
	run env DOCTOR_PROC="$proc" DOCTOR_UID=1000 "$BASH" "$DOCTOR"
	grep -qE '^  low +ptrace +kernel.yama.ptrace_scope = 1: .*cannot attach' <<<"$output" ||
		fail "scope 1 not flagged: $output"
	echo 0 >"$proc/sys/kernel/yama/ptrace_scope"
	run env DOCTOR_PROC="$proc" DOCTOR_UID=1000 "$BASH" "$DOCTOR"
	grep -qE '^  ok +ptrace +strace can trace here \(kernel.yama.ptrace_scope = 0\)' <<<"$output" ||
		fail "scope 0 not ok: $output"
}
