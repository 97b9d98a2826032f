#!/usr/bin/env bats
# plans.bats - every lab's dry run (PLAN=1 CORES=N labs/NN-.../run.sh) on
# 2, 4, 16 and 64 cores, in full and in QUICK mode: the client has CPU 0,
# client and server never share a core where there are 4 or more, loadgen
# has a thread per client core, every workload that loads the server has
# a connection per server core (two for CPU-bound work), the estimated
# time stays within the budget the script's header states; and a run asked for more cores
# than the machine has starts nothing. And the split itself, the kit's one
# rule (kit_split_cpus, make bench's too), on lists of cores.
#
# What it teaches: how a lab places its processes is a decision worth a
# test, and a dry run makes it testable on any machine in seconds: no
# server is built or started here.

load helpers

LABS="$ROOT/labs"
# The labs whose point is throughput: each must load every server core.
THROUGHPUT="03 04 08 09 10"
# load: WHAT: CONNS connections, KIND, on K server cores
LOAD=': ([0-9]+) connections, ([a-z]+), on ([0-9]+) server cores$'

# cpus LIST: one CPU number a line ("0-2,5" gives 0 1 2 5).
cpus() {
	[ "$1" = any ] && return 0
	echo "$1" | tr , '\n' | awk -F- '{
		for (c = $1; c <= ($2 == "" ? $1 : $2); c++) print c }'
}

# field NAME: the value after "NAME: " in the plan ($output), first word.
field() {
	local re="(^|"$'\n'")$1: ([^ "$'\n'"]*)"

	[[ "$output" =~ $re ]] && echo "${BASH_REMATCH[2]}"
}

# plan LAB N QUICK: run the dry run; a missing server build must not
# matter (KIT_BIN points nowhere) and no results folder may appear.
plan() {
	local res="$BATS_TEST_TMPDIR/results-$2-$3"

	run env PLAN=1 CORES="$2" QUICK="$3" KIT_BIN=/nonexistent \
		LAB_RESULTS="$res" "$LABS/$1/run.sh"
	[ "$status" -eq 0 ] ||
		{ fail "$1 N=$2 QUICK=$3: status $status: $output"; return 1; }
	[ ! -e "$res" ] || { fail "$1: the dry run created $res"; return 1; }
}

# check_plan LAB N QUICK: the rules of labs/plan.sh hold in the plan.
check_plan() {
	local lab="$1" n="$2" q="$3" what="$1 N=$2 QUICK=$3" srv cli c line
	local conns kind k loads=0 heavy=0 est budget

	plan "$lab" "$n" "$q" || return 1
	assert_equal "$(field cores)" "$n" "$what: cores" || return 1
	srv="$(cpus "$(field 'server cpus')")"
	cli="$(cpus "$(field 'client cpus')")"
	[ -n "$srv" ] && [ -n "$cli" ] ||
		{ fail "$what: no placement: $output"; return 1; }
	for c in $srv $cli; do
		[ "$c" -lt "$n" ] ||
			{ fail "$what: CPU $c on a $n-core plan"; return 1; }
	done
	# The client comes first: CPU 0 is its (kit_split_cpus).
	[ "${cli%%$'\n'*}" = 0 ] ||
		{ fail "$what: the client is not on CPU 0: $cli"; return 1; }
	if [ "$n" -ge 4 ]; then
		c="$(printf '%s\n' $srv $cli | sort | uniq -d)"
		assert_equal "$c" "" "$what: CPUs shared by server and client" ||
			return 1
		assert_equal "$(echo $cli | wc -w)" $((n / 2)) \
			"$what: client cores" || return 1
		assert_equal "$(field 'loadgen threads')" $((n / 2)) \
			"$what: loadgen threads" || return 1
	fi
	while read -r line; do
		[[ "$line" =~ $LOAD ]] ||
			{ fail "$what: a load line out of form: $line"; return 1; }
		conns="${BASH_REMATCH[1]}" kind="${BASH_REMATCH[2]}"
		k="${BASH_REMATCH[3]}"
		loads=$((loads + 1))
		# Below 4 cores lab 3's last point shares the client's core.
		[ "$k" -le "$(echo $srv | wc -w)" ] ||
			{ [ "$n" -lt 4 ] && [ "$k" -le "$n" ]; } ||
			{ fail "$what: $k cores, more than the server's: $line"
			  return 1; }
		case $kind in
		cpu) heavy=1
		     [ "$conns" -ge $((2 * k)) ] ||
			{ fail "$what: CPU-bound, too few connections: $line"
			  return 1; } ;;
		static) heavy=1
		     [ "$conns" -ge "$k" ] ||
			{ fail "$what: too few connections: $line"; return 1; } ;;
		io | idle | none) ;;
		*) fail "$what: unknown kind of load: $line"; return 1 ;;
		esac
	done < <(printf '%s\n' "$output" | grep '^load: ')
	[ "$loads" -gt 0 ] || { fail "$what: no load: line"; return 1; }
	if [[ " $THROUGHPUT " == *" ${lab%%-*} "* ]] && [ "$heavy" = 0 ]; then
		fail "$what: a throughput lab with no CPU or static load"
		return 1
	fi
	est="$(field 'estimated time')"
	budget="$(printf '%s\n' "$output" |
		sed -n 's/^estimated time: .*(budget \([0-9]*\) s)$/\1/p')"
	[ -n "$budget" ] && [ -n "$est" ] ||
		{ fail "$what: no estimate or no budget: $output"; return 1; }
	[ "$est" -le "$budget" ] ||
		{ fail "$what: estimated $est s, budget $budget s"; return 1; }
}

check_lab() {
	local n q

	for n in 2 4 16 64; do
		for q in 0 1; do
			check_plan "$1" "$n" "$q" || return 1
		done
	done
}

@test "plans: lab 1 on 2, 4, 16 and 64 cores" {
	check_lab 01-meet-the-mpms
}

@test "plans: lab 2 on 2, 4, 16 and 64 cores" {
	check_lab 02-what-prefork-costs
}

@test "plans: lab 3 on 2, 4, 16 and 64 cores; core counts 1, 2, 4 ..." {
	check_lab 03-scaling-over-cores
	local steps
	plan 03-scaling-over-cores 16 1
	steps="$(printf '%s\n' "$output" |
		sed -n 's/^load: spin, \([0-9]*\) core(s).*/\1/p' | xargs)"
	assert_equal "$steps" "1 2 4 8" "server core counts on 16 cores"
	steps="$(printf '%s\n' "$output" |
		sed -n 's/^load: spin, .* on CPU \([0-9-]*\):.*/\1/p' | xargs)"
	assert_equal "$steps" "8 8-9 8-11 8-15" "server CPUs on 16 cores"
	plan 03-scaling-over-cores 2 1
	steps="$(printf '%s\n' "$output" |
		sed -n 's/^load: spin, .* on CPU \([0-9-]*\):.*/\1/p' | xargs)"
	assert_equal "$steps" "1 0-1" "server CPUs on 2 cores (the last shared)"
	[[ "$output" == *"cannot show: "* ]] ||
		fail "on 2 cores the plan should say what it cannot show"
}

@test "plans: lab 4 on 2, 4, 16 and 64 cores" {
	check_lab 04-keepalive-trap
}

@test "plans: lab 5 on 2, 4, 16 and 64 cores" {
	check_lab 05-event-listener
}

@test "plans: lab 6 on 2, 4, 16 and 64 cores" {
	check_lab 06-prefork-regulates-itself
}

@test "plans: lab 7 on 2, 4, 16 and 64 cores" {
	check_lab 07-isolation-and-compatibility
}

@test "plans: lab 8 on 2, 4, 16 and 64 cores" {
	check_lab 08-sizing-workers
}

@test "plans: lab 9 on 2, 4, 16 and 64 cores" {
	check_lab 09-slow-clients
}

@test "plans: lab 10 on 2, 4, 16 and 64 cores" {
	check_lab 10-keepalive-off-for-apis
}

@test "plans: every lab is checked here" {
	local d n

	for d in "$LABS"/[0-9][0-9]-*/; do
		n="$(basename "$d")"
		grep -q "check_lab $n\$" "$BATS_TEST_FILENAME" ||
			fail "labs/$n has no plan test"
	done
}

@test "plans: the kit's one split of the cores (kit_split_cpus)" {
	# split CPUS CLIENT SERVER THREADS: KIT_* after kit_split_cpus CPUS.
	split() {
		# shellcheck disable=SC2086 # one CPU a word
		kit_split_cpus $1
		assert_equal "$KIT_CLIENT_CPUS $KIT_SERVER_CPUS $KIT_LOADGEN_THREADS" \
			"$2 $3 $4" "cores $1"
	}
	split "0" 0 0 1
	split "0 1" 0 1 1
	split "0 1 2" 0 1-2 1
	split "0 1 2 3" 0-1 2-3 2
	split "0 1 2 3 4" 0-1 2-4 2
	# The cores allowed, not always 0 .. N-1 (a container, taskset).
	split "2 3 5 7 8 9" 2-3,5 7-9 3
	split "$(seq -s ' ' 0 15)" 0-7 8-15 8
	# loadgen runs at most 64 threads.
	split "$(seq -s ' ' 0 199)" 0-99 100-199 64
	assert_equal "$KIT_CLIENT_CORES $KIT_SERVER_CORES" "100 100" "cores"
}

@test "plans: hand-given CPUs win over the plan" {
	run env PLAN=1 CORES=16 SERVER_CPUS=2-3 CLIENT_CPUS=0-1 \
		"$LABS/10-keepalive-off-for-apis/run.sh"
	[ "$status" -eq 0 ] || fail "status $status: $output"
	assert_equal "$(field 'server cpus')" 2-3 "server cpus"
	assert_equal "$(field 'loadgen threads')" 2 "loadgen threads"
	[[ "$output" == *"load: clients on /files/data.json: 16 connections"* ]] ||
		fail "connections should follow the 2 server cores: $output"
}

@test "plans: more cores than this machine has: nothing runs" {
	local n lab res="$BATS_TEST_TMPDIR/results"

	n=$(( $(nproc) + 1 ))
	for lab in 01-meet-the-mpms 03-scaling-over-cores 08-sizing-workers; do
		run env CORES="$n" QUICK=1 LAB_RESULTS="$res" \
			"$LABS/$lab/run.sh"
		[ "$status" -ne 0 ] || fail "$lab ran with CORES=$n"
		assert_match "$output" "CORES=$n but this machine has" \
			"$lab's refusal" || return 1
		[ ! -e "$res" ] || fail "$lab created $res"
	done
	run env CORES=two PLAN=1 "$LABS/01-meet-the-mpms/run.sh"
	[ "$status" -ne 0 ] || fail "CORES=two was accepted"
}

@test "plans: under a restricted affinity mask, only the CPUs allowed" {
	local last

	assert_equal "$(kit_expand_cpus 0-2,5,7 | paste -sd' ')" "0 1 2 5 7" \
		"kit_expand_cpus" || return 1
	# A container or taskset may allow only some CPUs; here the last one.
	last="$(kit_allowed_cpus | tail -n 1)"
	run taskset -c "$last" bash -c ". '$ROOT/common/kit.sh'; kit_allowed_cpus"
	assert_equal "$output" "$last" "kit_allowed_cpus under taskset" || return 1
	run taskset -c "$last" env PLAN=1 "$LABS/03-scaling-over-cores/run.sh"
	[ "$status" -eq 0 ] || fail "status $status: $output"
	assert_equal "$(field 'client cpus')" "$last" "client cpus" || return 1
	assert_equal "$(field 'server cpus')" "$last" "server cpus" || return 1
	[[ "$output" == *"on CPU $last:"* ]] || fail "lab 3's steps: $output"
}
