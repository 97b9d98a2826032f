# labs/bench/peers.sh - `make bench PEERS=1`: Apache httpd and nginx beside
# the kit's servers. Sourced by bench.sh (and by tests/bench.bats, which
# uses peers_find, prepare_httpd and prepare_nginx).
#
# What it teaches: the kit's servers are models of Apache's MPMs, and a
# model is only worth what it predicts. Running the real httpd with each of
# its three MPMs (and nginx, an event server of another family) with the
# same capacity and keep-alive settings, on the same files, shows whether
# the kit's differences between the models are the real ones, and gives
# the ratios of bench.md something to be measured against. The configs live in
# labs/bench/peers/ and read nothing from /etc; a server that is not
# installed is skipped with a note.
#
# The caller sets DOCROOT, WORKERS, CHILDREN, THREADS_PER_CHILD,
# SERVER_CORES and NOTES (an array); for each server, SRV_DIR and SRV_PORT.

# shellcheck shell=bash

PEER_NAMES=()    # the peers found, in the order they run
PEER_SETTINGS=() # one line each for the conditions: version and settings
HTTPD_BIN="" HTTPD_MODULES="" NGINX_BIN=""

find_httpd() {
	local b d

	for b in httpd apache2 /usr/sbin/httpd /usr/sbin/apache2 \
		/usr/local/apache2/bin/httpd; do
		b=$(command -v "$b" 2>/dev/null) && [ -x "$b" ] && { HTTPD_BIN=$b; break; }
	done
	[ -n "$HTTPD_BIN" ] || return 1
	d=$( (apxs -q LIBEXECDIR || apxs2 -q LIBEXECDIR) 2>/dev/null)
	for d in "$d" /usr/lib/apache2/modules /usr/lib64/httpd/modules \
		/usr/lib/httpd/modules /usr/libexec/apache2 \
		/usr/local/apache2/modules; do
		[ -n "$d" ] && [ -d "$d" ] && { HTTPD_MODULES=$d; return 0; }
	done
	return 0 # a static build needs no module folder
}

find_nginx() {
	local b

	for b in nginx /usr/sbin/nginx /usr/local/nginx/sbin/nginx; do
		b=$(command -v "$b" 2>/dev/null) && [ -x "$b" ] &&
			{ NGINX_BIN=$b; return 0; }
	done
	return 1
}

httpd_has() { # MODULE: compiled in, or a .so we can load
	"$HTTPD_BIN" -l 2>/dev/null | grep -q "^ *$1\.c$" && return 0
	[ -n "$HTTPD_MODULES" ] && [ -f "$HTTPD_MODULES/$1.so" ]
}

peers_find() {
	local mpm version set

	if find_httpd; then
		version=$("$HTTPD_BIN" -v 2>/dev/null | sed -n 's/^Server version: *//p')
		for mpm in prefork worker event; do
			if httpd_has "mod_mpm_$mpm" || httpd_has "$mpm"; then
				PEER_NAMES+=("httpd-$mpm")
				set=${THREADED_SET:-}
				[ "$mpm" = prefork ] && set=${PREFORK_SET:-}
				PEER_SETTINGS+=("httpd-$mpm ($version): $set")
			else
				NOTES+=("httpd-$mpm: $HTTPD_BIN has no $mpm MPM; skipped")
			fi
		done
	else
		NOTES+=("Apache httpd: not installed (no httpd or apache2); skipped")
	fi
	if find_nginx; then
		PEER_NAMES+=(nginx)
		version=$("$NGINX_BIN" -v 2>&1 | sed 's/^nginx version: *//')
		set="worker_processes $SERVER_CORES, worker_connections 4096"
		PEER_SETTINGS+=("nginx ($version): $set")
	else
		NOTES+=("nginx: not installed; skipped")
	fi
}

# Copy a template, replacing the @NAMES@ bench.sh knows.
fill_template() { # TEMPLATE OUTPUT [@EXTRA@=VALUE]...
	local in=$1 out=$2 kv script=""
	shift 2
	for kv in "@DIR@=$SRV_DIR" "@PORT@=$SRV_PORT" "@DOCROOT@=$DOCROOT" \
		"@WORKERS@=$WORKERS" "@CHILDREN@=$CHILDREN" \
		"@THREADS@=$THREADS_PER_CHILD" "@SERVER_CORES@=$SERVER_CORES" "$@"; do
		local k=${kv%%=*} v=${kv#*=}
		v=${v//\\/\\\\}
		v=${v//|/\\|}
		v=${v//&/\\&}
		script+="s|$k|$v|g;"
	done
	sed "$script" "$in" >"$out"
}

HTTPD_MPM=""
prepare_httpd() {
	local m f

	fill_template "$HERE/peers/httpd.conf" "$SRV_DIR/httpd.conf"
	{
		for m in "mpm_$HTTPD_MPM" mime authz_core status unixd log_config; do
			f=$HTTPD_MODULES/mod_$m.so
			"$HTTPD_BIN" -l 2>/dev/null | grep -qE "^ *(mod_)?${m#mpm_}\.c$" && continue
			[ -n "$HTTPD_MODULES" ] && [ -f "$f" ] || continue
			echo "LoadModule ${m}_module $f"
		done
		if [ "$(id -u)" = 0 ]; then
			echo "User nobody"
			echo "Group $(id -gn nobody 2>/dev/null || echo nogroup)"
		fi
	} >"$SRV_DIR/modules.conf"
}

prepare_nginx() {
	local user=""

	[ "$(id -u)" = 0 ] &&
		user="user nobody $(id -gn nobody 2>/dev/null || echo nogroup);"
	fill_template "$HERE/peers/nginx.conf" "$SRV_DIR/nginx.conf" "@USER@=$user"
}

# One round of every scenario on one peer, through bench.sh's bench_server.
peer_bench() { # NAME
	local e=()

	case $1 in
	httpd-*)
		HTTPD_MPM=${1#httpd-}
		bench_server "$1" status prepare_httpd \
			"$HTTPD_BIN" -f @DIR@/httpd.conf -DFOREGROUND
		;;
	nginx)
		"$NGINX_BIN" -h 2>&1 | grep -q -- '^ *-e ' && e=(-e @DIR@/error.log)
		bench_server nginx plain prepare_nginx \
			"$NGINX_BIN" -p @DIR@/ -c @DIR@/nginx.conf "${e[@]}"
		;;
	esac
}
