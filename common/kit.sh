# common/kit.sh - shell functions that the tests, the labs and the slide
# demos share: free ports, live processes, process groups, the clock.
#
# What it teaches: a script that starts a server must find a port nobody
# uses, know whether the server still lives, and stop every process it
# started: the master and its children form one process group (setsid),
# which is what these functions look at. Sourced by tests/helpers.bash,
# labs/common.sh and slides/demo/lib.sh.

# True if something accepts connections on 127.0.0.1:PORT.
port_in_use() {
	(exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null
}

# A free port in 20000-32767: below Linux's default range of ephemeral
# ports (32768-60999), so that no client socket of a busy machine (a
# benchmark's thousands of connections) holds the port a server wants.
pick_port() {
	local p i

	for i in 1 2 3 4 5 6 7 8 9 10; do
		p=$((20000 + RANDOM % 12768))
		port_in_use "$p" || { echo "$p"; return 0; }
	done
	return 1
}

# True if PID exists and is not a zombie.
process_alive() {
	local state

	state="$(ps -o stat= -p "$1" 2>/dev/null)" || return 1
	[ -n "$state" ] && [[ "$state" != Z* ]]
}

# PIDs of the live (non-zombie) processes of process group PGID.
group_pids() {
	ps -e -o pid=,pgid=,stat= |
		awk -v g="$1" '$2 == g && $3 !~ /^Z/ { print $1 }'
}

# Milliseconds since the epoch.
now_ms() {
	echo $(( $(date +%s%N) / 1000000 ))
}
