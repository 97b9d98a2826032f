#!/usr/bin/env bats
# conformance.bats - HTTP/1.1 conformance and security of the shared core.
#
# What it teaches: what "a correct HTTP/1.1 server" means, one request at a
# time: static files and conditional requests, framing (RFC 9112) and the
# smuggling shapes a strict parser refuses, keep-alive and its timeouts,
# a docroot that no request can leave, limits, and a server that keeps
# answering after every bad input. The same suite runs against every MPM:
#   MPM=prefork bats tests/conformance.bats   (the default)
#   MPM=worker  bats tests/conformance.bats
# Exact bytes go through tests/tools/rawclient where the framing matters;
# curl is used elsewhere. Each test starts its own server and teardown
# always stops it.

load helpers

teardown() {
	stop_server
}

# An escaped request (for rawclient) that closes the connection after it.
get_close() { # PATH [METHOD]
	printf '%s %s HTTP/1.1\\r\\nHost: t\\r\\nConnection: close\\r\\n\\r\\n' \
		"${2:-GET}" "$1"
}

# One request, one response: stop reading after the first response (the
# connection may stay open), at most 5 s.
ask() { # BYTES
	raw_text -n 1 -t 5000 "$1"
}

# A string of N copies of CHAR.
repeat() { # N CHAR
	local s

	printf -v s '%*s' "$1" ''
	printf '%s' "${s// /$2}"
}

# ---- static files ----

@test "GET / is 200 text/html with Server, Date and the index page" {
	start_server
	out="$(ask "$(get_close /)")"
	assert_status "$out" 200
	assert_match "$(header_value "$out" Content-Type)" '^text/html'
	assert_match "$(header_value "$out" Server)" '^mpm-kit'
	assert_match "$(header_value "$out" Date)" \
		'^(Mon|Tue|Wed|Thu|Fri|Sat|Sun), [0-9]{2} [A-Z][a-z]{2} [0-9]{4} [0-9]{2}:[0-9]{2}:[0-9]{2} GMT$'
	assert_equal "$(header_value "$out" Content-Length)" \
		"$(wc -c <"$HTDOCS/index.html")" Content-Length
	http_get / >"$BATS_TEST_TMPDIR/index"
	cmp "$BATS_TEST_TMPDIR/index" "$HTDOCS/index.html"
}

@test "GET of a file: exact bytes and MIME type" {
	start_server
	http_get /files/64k.txt -D "$BATS_TEST_TMPDIR/h" >"$BATS_TEST_TMPDIR/b"
	cmp "$BATS_TEST_TMPDIR/b" "$HTDOCS/files/64k.txt"
	head="$(cat "$BATS_TEST_TMPDIR/h")"
	assert_status "$head" 200
	assert_match "$(header_value "$head" Content-Type)" '^text/plain'
}

@test "a percent-encoded path and a query string reach the file" {
	start_server
	assert_equal "$(http_code '/files/1k%2etxt')" 200
	assert_equal "$(http_code '/files/1k.txt?x=1&y=%2e%2e')" 200
	assert_equal "$(http_get '/files/1k.txt?x=1' | wc -c)" 1024
}

@test "HEAD has the headers of GET and no body" {
	start_server
	out="$(ask "$(get_close /files/1k.txt HEAD)")"
	assert_status "$out" 200
	assert_equal "$(header_value "$out" Content-Length)" 1024
	assert_equal "$(body_of "$out")" "" body
}

@test "HEAD then GET on one connection: no body after the HEAD" {
	start_server
	out="$(raw_text -r -c 'HEAD /files/64k.txt HTTP/1.1\r\nHost: t\r\n\r\nGET /files/1k.txt HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n')"
	assert_equal "$out" $'HTTP/1.1 200 OK\nHTTP/1.1 200 OK\nCLOSED'
	# Two heads and 1024 body bytes: none of the 64 KiB after the HEAD.
	total="$(raw 'HEAD /files/64k.txt HTTP/1.1\r\nHost: t\r\n\r\nGET /files/1k.txt HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n' | wc -c)"
	[ "$total" -gt 1024 ] && [ "$total" -lt 3000 ] ||
		fail "HEAD+GET sent $total bytes"
}

@test "a missing file is 404 with an HTML body" {
	start_server
	out="$(ask "$(get_close /no/such/file.html)")"
	assert_status "$out" 404
	assert_match "$(header_value "$out" Content-Type)" '^text/html'
	assert_contains "$(body_of "$out")" 404
}

@test "a directory without its slash is 301 to the slash" {
	start_server
	out="$(ask "$(get_close /dir)")"
	assert_status "$out" 301
	assert_match "$(header_value "$out" Location)" '^(http://[^/]+)?/dir/$'
}

@test "a directory with its slash serves index.html" {
	start_server
	http_get /dir/ >"$BATS_TEST_TMPDIR/b"
	cmp "$BATS_TEST_TMPDIR/b" "$HTDOCS/dir/index.html"
}

@test "a directory without index.html is 403" {
	start_server
	out="$(ask "$(get_close /noindex/)")"
	assert_status "$out" 403
}

@test "If-Modified-Since with Last-Modified is 304, an old date is 200" {
	start_server
	lm="$(header_value "$(ask "$(get_close /files/1k.txt)")" \
		Last-Modified)"
	assert_match "$lm" 'GMT$' Last-Modified
	out="$(ask "GET /files/1k.txt HTTP/1.1\\r\\nHost: t\\r\\nIf-Modified-Since: $lm\\r\\nConnection: close\\r\\n\\r\\n")"
	assert_status "$out" 304
	assert_equal "$(body_of "$out")" "" "304 body"
	out="$(ask 'GET /files/1k.txt HTTP/1.1\r\nHost: t\r\nIf-Modified-Since: Sun, 06 Nov 1994 08:49:37 GMT\r\nConnection: close\r\n\r\n')"
	assert_status "$out" 200
}

@test "ETag with If-None-Match is 304, another tag is 200" {
	start_server
	etag="$(header_value "$(ask "$(get_close /files/1k.txt)")" ETag)"
	assert_match "$etag" '^(W/)?"[^"]+"$' ETag
	out="$(ask "GET /files/1k.txt HTTP/1.1\\r\\nHost: t\\r\\nIf-None-Match: $etag\\r\\nConnection: close\\r\\n\\r\\n")"
	assert_status "$out" 304
	assert_equal "$(header_value "$out" ETag)" "$etag" "ETag of the 304"
	out="$(ask 'GET /files/1k.txt HTTP/1.1\r\nHost: t\r\nIf-None-Match: "nope"\r\nConnection: close\r\n\r\n')"
	assert_status "$out" 200
}

@test "Range bytes=0-99 is 206 with Content-Range and 100 bytes" {
	start_server
	http_get /files/1k.txt -H 'Range: bytes=0-99' \
		-D "$BATS_TEST_TMPDIR/h" >"$BATS_TEST_TMPDIR/b"
	head="$(cat "$BATS_TEST_TMPDIR/h")"
	assert_status "$head" 206
	assert_equal "$(header_value "$head" Content-Range)" "bytes 0-99/1024"
	head -c 100 "$HTDOCS/files/1k.txt" | cmp - "$BATS_TEST_TMPDIR/b"
}

@test "Range bytes=-10 is the last 10 bytes" {
	start_server
	http_get /files/1k.txt -H 'Range: bytes=-10' \
		-D "$BATS_TEST_TMPDIR/h" >"$BATS_TEST_TMPDIR/b"
	head="$(cat "$BATS_TEST_TMPDIR/h")"
	assert_status "$head" 206
	assert_equal "$(header_value "$head" Content-Range)" \
		"bytes 1014-1023/1024"
	tail -c 10 "$HTDOCS/files/1k.txt" | cmp - "$BATS_TEST_TMPDIR/b"
}

@test "Range past the end of the file is 416" {
	start_server
	out="$(ask 'GET /files/1k.txt HTTP/1.1\r\nHost: t\r\nRange: bytes=5000-6000\r\nConnection: close\r\n\r\n')"
	assert_status "$out" 416
	assert_equal "$(header_value "$out" Content-Range)" "bytes */1024"
	assert_alive
}

@test "POST to a static file is 405 with Allow" {
	start_server
	out="$(ask 'POST /files/1k.txt HTTP/1.1\r\nHost: t\r\nContent-Length: 5\r\nConnection: close\r\n\r\nhello')"
	assert_status "$out" 405
	allow="$(header_value "$out" Allow)"
	assert_contains "$allow" GET
	assert_contains "$allow" HEAD
	assert_alive
}

# ---- request line and headers ----

@test "an unknown method is 501" {
	start_server
	assert_status "$(ask "$(get_close / BREW)")" 501
	assert_alive
}

@test "HTTP/2.0 in the request line is 505" {
	start_server
	assert_status "$(ask 'GET / HTTP/2.0\r\nHost: t\r\n\r\n')" 505
	assert_alive
}

@test "malformed request lines are 400" {
	start_server
	for line in 'GET / HTTX/1.1' 'GET / HTTP/1' 'GET /  HTTP/1.1' \
		'GET' 'GET /a b HTTP/1.1' 'G(T / HTTP/1.1' 'GET / HTTP/0.9'; do
		out="$(ask "$line\\r\\nHost: t\\r\\n\\r\\n")"
		assert_status "$out" 400 || fail "request line [$line]"
	done
	assert_alive
}

@test "HTTP/1.1 without Host is 400, HTTP/1.0 without Host is 200" {
	start_server
	assert_status "$(ask 'GET / HTTP/1.1\r\nConnection: close\r\n\r\n')" 400
	assert_status "$(ask 'GET / HTTP/1.0\r\n\r\n')" 200
	assert_alive
}

@test "two Host headers are 400" {
	start_server
	assert_status "$(ask 'GET / HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n')" 400
	assert_alive
}

@test "an empty line before the request line is ignored" {
	start_server
	assert_status "$(ask '\r\nGET / HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n')" 200
}

@test "a request sent one byte at a time is answered" {
	start_server
	raw -s 1 -d 5 'GET /files/1k.txt HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n' \
		>"$BATS_TEST_TMPDIR/r"
	assert_status "$(tr -d '\r' <"$BATS_TEST_TMPDIR/r")" 200
	sed '1,/^\r$/d' "$BATS_TEST_TMPDIR/r" | cmp - "$HTDOCS/files/1k.txt"
}

@test "three pipelined requests in one write: three responses in order" {
	start_server
	out="$(raw_text -r -c 'GET /files/1k.txt HTTP/1.1\r\nHost: t\r\n\r\nGET /nope HTTP/1.1\r\nHost: t\r\n\r\nGET /dir HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n')"
	assert_equal "$out" $'HTTP/1.1 200 OK\nHTTP/1.1 404 Not Found\nHTTP/1.1 301 Moved Permanently\nCLOSED'
}

@test "control characters in the target are 400" {
	start_server
	for target in '/fi\x01les' '/a\x7f' '/a\tb' '/a\x1bb'; do
		out="$(ask "GET $target HTTP/1.1\\r\\nHost: t\\r\\n\\r\\n")"
		assert_status "$out" 400 || fail "target [$target]"
	done
	assert_alive
}

@test "an absolute-form target is served" {
	start_server
	raw "GET http://127.0.0.1:$PORT/files/1k.txt HTTP/1.1\\r\\nHost: 127.0.0.1:$PORT\\r\\nConnection: close\\r\\n\\r\\n" \
		>"$BATS_TEST_TMPDIR/r"
	assert_status "$(tr -d '\r' <"$BATS_TEST_TMPDIR/r")" 200
	sed '1,/^\r$/d' "$BATS_TEST_TMPDIR/r" | cmp - "$HTDOCS/files/1k.txt"
}

# ---- keep-alive ----

@test "keep-alive: two requests, one after the other, on one connection" {
	start_server
	first='GET /files/1k.txt HTTP/1.1\r\nHost: t\r\n\r\n'
	# -s cuts the bytes right after the first request (its length once
	# unescaped), so the second one is sent 300 ms later.
	len="$(printf "$first" | wc -c)"
	out="$(raw_text -s "$len" -d 300 -r -n 2 -c -t 3000 \
		"${first}GET /files/1k.txt HTTP/1.1\\r\\nHost: t\\r\\n\\r\\n")"
	assert_equal "$out" $'HTTP/1.1 200 OK\nHTTP/1.1 200 OK\nOPEN'
}

@test "KeepAliveTimeout 1: idle connection open at 0.3 s, closed within 4 s" {
	start_server -c 'KeepAliveTimeout 1'
	req='GET / HTTP/1.1\r\nHost: t\r\n\r\n'
	assert_equal "$(raw_text -r -c -t 300 "$req")" $'HTTP/1.1 200 OK\nOPEN'
	t0="$(now_ms)"
	out="$(raw_text -r -c -t 4000 "$req")"
	elapsed=$(( $(now_ms) - t0 ))
	assert_equal "$out" $'HTTP/1.1 200 OK\nCLOSED'
	[ "$elapsed" -ge 700 ] || fail "closed after $elapsed ms, before 1 s"
	assert_alive
}

@test "KeepAliveTimeout 500ms is accepted and closes within 3 s" {
	start_server -c 'KeepAliveTimeout 500ms'
	req='GET / HTTP/1.1\r\nHost: t\r\n\r\n'
	assert_equal "$(raw_text -r -c -t 250 "$req")" $'HTTP/1.1 200 OK\nOPEN'
	t0="$(now_ms)"
	out="$(raw_text -r -c -t 3000 "$req")"
	elapsed=$(( $(now_ms) - t0 ))
	assert_equal "$out" $'HTTP/1.1 200 OK\nCLOSED'
	[ "$elapsed" -ge 300 ] || fail "closed after $elapsed ms, before 0.5 s"
}

@test "HTTP/1.0 with Connection: keep-alive gets Keep-Alive and stays open" {
	start_server
	first='GET / HTTP/1.0\r\nConnection: keep-alive\r\n\r\n'
	out="$(raw_text -n 1 -t 3000 "$first")"
	assert_status "$out" 200
	assert_match "$(header_value "$out" Keep-Alive)" \
		'^timeout=5, max=[0-9]+$'
	assert_match "$(header_value "$out" Connection)" '^[Kk]eep-[Aa]live$'
	len="$(printf "$first" | wc -c)"
	out="$(raw_text -s "$len" -d 300 -r -c -t 3000 \
		"${first}GET / HTTP/1.0\\r\\n\\r\\n")"
	assert_equal "$out" $'HTTP/1.1 200 OK\nHTTP/1.1 200 OK\nCLOSED'
}

@test "HTTP/1.0 without keep-alive: the server closes" {
	start_server
	out="$(raw_text -c -t 3000 'GET / HTTP/1.0\r\n\r\n')"
	assert_status "$out" 200
	assert_equal "$(tail -n 1 <<<"$out")" CLOSED
	assert_equal "$(header_value "$out" Keep-Alive)" "" Keep-Alive
}

@test "Connection: close is honoured" {
	start_server
	out="$(raw_text -c -t 3000 "$(get_close /)")"
	assert_status "$out" 200
	assert_equal "$(header_value "$out" Connection)" close Connection
	assert_equal "$(tail -n 1 <<<"$out")" CLOSED
}

@test "Keep-Alive: timeout=T, max=N follows the directives" {
	start_server -c 'KeepAliveTimeout 3' -c 'MaxKeepAliveRequests 7'
	out="$(raw_text -n 1 -t 3000 'GET / HTTP/1.1\r\nHost: t\r\nConnection: keep-alive\r\n\r\n')"
	assert_status "$out" 200
	assert_match "$(header_value "$out" Keep-Alive)" '^timeout=3, max=[67]$'
}

@test "MaxKeepAliveRequests 2: the second response closes" {
	start_server -c 'MaxKeepAliveRequests 2'
	req='GET /files/1k.txt HTTP/1.1\r\nHost: t\r\n\r\n'
	out="$(raw_text -r -c -t 3000 "$req$req$req")"
	assert_equal "$out" $'HTTP/1.1 200 OK\nHTTP/1.1 200 OK\nCLOSED'
	# Connection: close appears once, in the second head.
	heads="$(raw_text -t 3000 "$req$req$req" | grep -a -i \
		-e '^HTTP/' -e '^Connection:')"
	assert_equal "$(grep -ci '^Connection: close' <<<"$heads")" 1
	assert_equal "$(tail -n 1 <<<"$heads" | tr 'A-Z' 'a-z')" \
		"connection: close" "last header seen"
	assert_alive
}

# ---- the docroot cannot be left ----

@test "traversal attempts never leave the docroot" {
	start_server
	for target in '/../../../../etc/passwd' \
		'/%2e%2e/%2e%2e/%2e%2e/%2e%2e/etc/passwd' \
		'/%2E%2E/%2E%2E/%2E%2E/etc/passwd' \
		'/..%2f..%2f..%2f..%2fetc/passwd' \
		'/files/..%2f..%2f..%2f..%2f..%2fetc/passwd' \
		'/files/%2e%2e/%2e%2e/%2e%2e/%2e%2e/%2e%2e/etc/passwd' \
		'/.%2e/.%2e/.%2e/.%2e/etc/passwd' \
		'/%252e%252e/%252e%252e/%252e%252e/etc/passwd' \
		'/files/..%5c..%5c..%5c..%5cetc%5cpasswd' \
		'/..\\..\\..\\..\\etc\\passwd' \
		'/%00' '/files/1k.txt%00.html' '/files/1k.txt\x00.html' \
		"http://127.0.0.1:$PORT/../../../../etc/passwd" \
		'/./././../../../etc/passwd' '//etc/passwd' \
		'/files/../../../../etc/passwd'; do
		out="$(ask "GET $target HTTP/1.1\\r\\nHost: t\\r\\nConnection: close\\r\\n\\r\\n")"
		assert_not_contains "$out" 'root:' || fail "target [$target]"
		[[ "$out" =~ ^HTTP/1\.1\ (400|403|404)\  ]] ||
			fail "target [$target]: ${out%%$'\n'*}"
	done
	assert_alive
}

# A docroot of our own, with symlinks that point inside and outside it.
make_symlink_root() {
	D="$BATS_TEST_TMPDIR/root"
	mkdir -p "$D/inside" "$BATS_TEST_TMPDIR/outside"
	echo "public page" >"$D/inside/page.txt"
	echo "SECRET outside" >"$BATS_TEST_TMPDIR/outside/secret.txt"
	ln -s inside/page.txt "$D/in-link.txt"
	ln -s "$BATS_TEST_TMPDIR/outside/secret.txt" "$D/out-link.txt"
	ln -s "$BATS_TEST_TMPDIR/outside" "$D/outdir"
	ln -s /etc/passwd "$D/passwd"
}

@test "a symlink out of the docroot is 403, one inside is served" {
	make_symlink_root
	start_server -c "DocumentRoot $D"
	assert_equal "$(http_get /in-link.txt)" "public page"
	for path in /out-link.txt /outdir/secret.txt /passwd; do
		out="$(ask "$(get_close "$path")")"
		assert_status "$out" 403 || fail "path $path"
		assert_not_contains "$out" SECRET
		assert_not_contains "$out" 'root:'
	done
	assert_equal "$(http_code /index.html)" 404
}

@test "SymlinksOutsideRoot On follows a symlink out of the docroot" {
	make_symlink_root
	start_server -c "DocumentRoot $D" -c 'SymlinksOutsideRoot On'
	assert_equal "$(http_get /out-link.txt)" "SECRET outside"
	assert_equal "$(http_get /outdir/secret.txt)" "SECRET outside"
	assert_equal "$(http_code /out-link.txt)" 200
}

# ---- limits ----

@test "a request line over LimitRequestLine is 414 (default 8190)" {
	start_server
	long="/$(repeat 9000 a)"
	assert_status "$(ask "GET $long HTTP/1.1\\r\\nHost: t\\r\\n\\r\\n")" 414
	assert_alive
}

@test "LimitRequestLine 100: 150 bytes is 414, 60 bytes is served" {
	start_server -c 'LimitRequestLine 100'
	assert_status "$(ask "GET /$(repeat 150 a) HTTP/1.1\\r\\nHost: t\\r\\n\\r\\n")" 414
	assert_status "$(ask "$(get_close "/files/1k.txt?$(repeat 40 a)")")" 200
	assert_alive
}

@test "a header over LimitRequestFieldSize is 431" {
	start_server
	out="$(ask "GET / HTTP/1.1\\r\\nHost: t\\r\\nX-Long: $(repeat 9000 b)\\r\\n\\r\\n")"
	assert_status "$out" 431
	assert_alive
}

@test "LimitRequestFields 10: 10 headers served, 11 are 431" {
	start_server -c 'LimitRequestFields 10'
	h=''
	for i in 1 2 3 4 5 6 7 8; do h="${h}X-H$i: v\\r\\n"; done
	# Host + Connection + 8 = 10 fields.
	assert_status "$(ask "GET / HTTP/1.1\\r\\nHost: t\\r\\nConnection: close\\r\\n$h\\r\\n")" 200
	assert_status "$(ask "GET / HTTP/1.1\\r\\nHost: t\\r\\nConnection: close\\r\\n${h}X-H9: v\\r\\n\\r\\n")" 431
	assert_alive
}

@test "more than 100 headers (the default limit) is 431" {
	start_server
	h=''
	for i in $(seq 1 101); do h="${h}X-H$i: v\\r\\n"; done
	assert_status "$(ask "GET / HTTP/1.1\\r\\nHost: t\\r\\n$h\\r\\n")" 431
	assert_alive
}

@test "a body over LimitRequestBody is 413" {
	start_server -c 'LabHandlers On' -c 'LimitRequestBody 10'
	out="$(ask 'POST /lab/echo HTTP/1.1\r\nHost: t\r\nContent-Length: 20\r\n\r\n01234567890123456789')"
	assert_status "$out" 413
	assert_equal "$(header_value "$out" Connection)" close "413 Connection"
	out="$(ask 'POST /lab/echo HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\n8\r\n01234567\r\n8\r\n01234567\r\n0\r\n\r\n')"
	assert_status "$out" 413
	assert_equal "$(header_value "$out" Connection)" close "413 Connection"
	out="$(ask 'POST /lab/echo HTTP/1.1\r\nHost: t\r\nContent-Length: 5\r\nConnection: close\r\n\r\nhello')"
	assert_status "$out" 200
	assert_alive
}

# ---- framing: the shapes of request smuggling ----

@test "Content-Length with Transfer-Encoding is 400" {
	start_server -c 'LabHandlers On'
	assert_status "$(ask 'POST /lab/echo HTTP/1.1\r\nHost: t\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n')" 400
	assert_status "$(ask 'POST /lab/echo HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\nContent-Length: 5\r\n\r\n0\r\n\r\n')" 400
	assert_alive
}

@test "differing Content-Lengths are 400; bad numbers are 400" {
	start_server -c 'LabHandlers On'
	for cl in 'Content-Length: 5\r\nContent-Length: 6' \
		'Content-Length: 5, 6' 'Content-Length: 5a' \
		'Content-Length: -5' 'Content-Length: +5' \
		'Content-Length: 0x5' 'Content-Length: 99999999999999999999999'; do
		out="$(ask "POST /lab/echo HTTP/1.1\\r\\nHost: t\\r\\n$cl\\r\\n\\r\\nhello!")"
		assert_status "$out" 400 || fail "[$cl]"
	done
	assert_alive
}

@test "Transfer-Encoding not ending in chunked is 400, unknown coding 501" {
	start_server -c 'LabHandlers On'
	for te in 'chunked, identity' 'gzip' 'chunked, chunked'; do
		out="$(ask "POST /lab/echo HTTP/1.1\\r\\nHost: t\\r\\nTransfer-Encoding: $te\\r\\n\\r\\n0\\r\\n\\r\\n")"
		assert_status "$out" 400 || fail "[$te]"
	done
	out="$(ask 'POST /lab/echo HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: x-custom, chunked\r\n\r\n0\r\n\r\n')"
	assert_status "$out" 501
	assert_alive
}

@test "Transfer-Encoding in an HTTP/1.0 request is 400" {
	start_server -c 'LabHandlers On'
	assert_status "$(ask 'POST /lab/echo HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n')" 400
	assert_alive
}

@test "whitespace before a colon is 400" {
	start_server -c 'LabHandlers On'
	assert_status "$(ask 'GET / HTTP/1.1\r\nHost : t\r\n\r\n')" 400
	assert_status "$(ask 'POST /lab/echo HTTP/1.1\r\nHost: t\r\nTransfer-Encoding : chunked\r\n\r\n0\r\n\r\n')" 400
	assert_status "$(ask 'POST /lab/echo HTTP/1.1\r\nHost: t\r\nContent-Length\t: 5\r\n\r\nhello')" 400
	assert_alive
}

@test "obs-fold (a header continued on the next line) is 400" {
	start_server
	assert_status "$(ask 'GET / HTTP/1.1\r\nHost: t\r\nX-A: a\r\n b\r\n\r\n')" 400
	assert_status "$(ask 'GET / HTTP/1.1\r\nHost: t\r\nX-A: a\r\n\tb\r\n\r\n')" 400
	assert_alive
}

@test "bad header lines are 400: no colon, bad name, bare LF" {
	start_server
	for h in 'No colon here' 'Bad Name: v' ': empty' 'X-A: a\x01b'; do
		out="$(ask "GET / HTTP/1.1\\r\\nHost: t\\r\\n$h\\r\\n\\r\\n")"
		assert_status "$out" 400 || fail "header [$h]"
	done
	assert_status "$(ask 'GET / HTTP/1.1\nHost: t\n\n')" 400
	assert_alive
}

# ---- request bodies (/lab/echo) ----

@test "POST /lab/echo with Content-Length echoes the body" {
	start_server -c 'LabHandlers On'
	out="$(ask 'POST /lab/echo HTTP/1.1\r\nHost: t\r\nContent-Length: 11\r\nConnection: close\r\n\r\nhello world')"
	assert_status "$out" 200
	assert_equal "$(body_of "$out")" "hello world" body
	assert_equal "$(http_get /lab/echo --data-binary 'from curl')" "from curl"
}

@test "chunked POST with trailers to /lab/echo echoes the decoded body" {
	start_server -c 'LabHandlers On'
	out="$(ask 'POST /lab/echo HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n5\r\nhello\r\n6;ext=1\r\n world\r\n0\r\nX-Trailer: t\r\n\r\n')"
	assert_status "$out" 200
	assert_equal "$(header_value "$out" Content-Length)" 11
	assert_equal "$(body_of "$out")" "hello world" body
}

@test "a chunked body followed by a pipelined request" {
	start_server -c 'LabHandlers On'
	out="$(raw_text -r -c 'POST /lab/echo HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\n\r\nGET /nope HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n')"
	assert_equal "$out" $'HTTP/1.1 200 OK\nHTTP/1.1 404 Not Found\nCLOSED'
}

@test "invalid chunk sizes are 400" {
	start_server -c 'LabHandlers On'
	for chunks in 'zz\r\nhello\r\n0\r\n\r\n' \
		'fffffffffffffffffff\r\nhello\r\n0\r\n\r\n' \
		'-5\r\nhello\r\n0\r\n\r\n' \
		'5\r\nhelloXX0\r\n\r\n' \
		' 5\r\nhello\r\n0\r\n\r\n'; do
		out="$(ask "POST /lab/echo HTTP/1.1\\r\\nHost: t\\r\\nTransfer-Encoding: chunked\\r\\n\\r\\n$chunks")"
		assert_status "$out" 400 || fail "chunks [$chunks]"
		assert_equal "$(header_value "$out" Connection)" close \
			"Connection of the 400 for chunks [$chunks]"
	done
	assert_alive
}

@test "after a bad chunk the rest of the bytes are not a new request" {
	start_server -c 'LabHandlers On'
	# The framing is lost: what follows must not be parsed (smuggling).
	out="$(raw_text -r -c -t 3000 'POST /lab/echo HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\nGET /files/1k.txt HTTP/1.1\r\nHost: t\r\n\r\n')"
	assert_status "$out" 400
	assert_equal "$(sed -n '2,$p' <<<"$out")" CLOSED "after the 400"
	assert_alive
}

# ---- a body the handler does not want is read away before the answer ----

# A GET of a static file with a chunked body whose framing is broken: the
# server must read (discard) the body before answering, so the client
# learns of the broken framing (400) instead of getting a 200 and a close.
bad_chunked_get() { # CHUNKS
	ask "GET /files/1k.txt HTTP/1.1\\r\\nHost: t\\r\\nTransfer-Encoding: chunked\\r\\n\\r\\n$1"
}

@test "GET with a chunk size that is not hex is 400, not 200" {
	start_server
	out="$(bad_chunked_get 'zz\r\nhello\r\n0\r\n\r\n')"
	assert_status "$out" 400
	assert_equal "$(header_value "$out" Connection)" close Connection
	assert_alive
}

@test "GET with an overflowing chunk size (2^64+1) is 400" {
	start_server
	for size in 10000000000000001 18446744073709551617 \
		ffffffffffffffffff; do
		out="$(bad_chunked_get "$size\\r\\nhello\\r\\n0\\r\\n\\r\\n")"
		assert_status "$out" 400 || fail "chunk size $size"
	done
	assert_alive
}

@test "GET with a chunk size line ended by a bare LF is 400" {
	start_server
	assert_status "$(bad_chunked_get '5\nhello\r\n0\r\n\r\n')" 400
	assert_status "$(bad_chunked_get '5\r\nhello\n0\r\n\r\n')" 400
	assert_alive
}

@test "GET with a chunked body that stalls is 408 within Timeout" {
	start_server -c 'Timeout 1'
	# Half a chunk, then nothing: the discard waits Timeout, not forever.
	out="$(raw_text -c -t 8000 'GET /files/1k.txt HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhel')"
	assert_status "$out" 408
	assert_equal "$(tail -n 1 <<<"$out")" CLOSED
	assert_alive
}

@test "a GET's Content-Length body is discarded and the connection kept" {
	start_server
	# 70000 bytes of body: more than one read, and the next request on
	# the same connection must be parsed after them, not inside them.
	body="$(repeat 70000 x)"
	out="$(raw_text -r -c -t 5000 "GET /files/1k.txt HTTP/1.1\\r\\nHost: t\\r\\nContent-Length: 70000\\r\\n\\r\\n${body}GET /small.txt HTTP/1.1\\r\\nHost: t\\r\\nConnection: close\\r\\n\\r\\n")"
	assert_equal "$out" $'HTTP/1.1 200 OK\nHTTP/1.1 200 OK\nCLOSED'
}

@test "a GET's chunked body is discarded and the connection kept" {
	start_server
	out="$(raw_text -r -c -t 5000 'GET /files/1k.txt HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\nGET /small.txt HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n')"
	assert_equal "$out" $'HTTP/1.1 200 OK\nHTTP/1.1 200 OK\nCLOSED'
}

@test "a GET's chunked body over LimitRequestBody is 413" {
	start_server -c 'LimitRequestBody 10'
	out="$(bad_chunked_get '8\r\n01234567\r\n8\r\n01234567\r\n0\r\n\r\n')"
	assert_status "$out" 413
	assert_equal "$(header_value "$out" Connection)" close Connection
	# Exactly the limit is fine.
	out="$(bad_chunked_get '5\r\n01234\r\n5\r\n56789\r\n0\r\n\r\n')"
	assert_status "$out" 200
	assert_alive
}

# ---- errors close the connection, and the client gets to read them ----

@test "an error response says Connection: close and closes" {
	start_server
	out="$(raw_text -c -t 3000 'GET / HTTP/1.1\r\nHost: t\r\nNo colon\r\n\r\n')"
	assert_status "$out" 400
	assert_equal "$(header_value "$out" Connection)" close Connection
	assert_equal "$(tail -n 1 <<<"$out")" CLOSED
	assert_alive
}

@test "lingering close: a 400 reaches a client that keeps sending" {
	start_server
	# A bad head followed by 512 KiB of junk, sent in 16 KiB pieces:
	# closing without reading the junk would reset the connection.
	out="$(raw_text -e -c -t 5000 -s 16384 -p 524288 \
		'POST / HTTP/1.1\r\nHost: t\r\nNo colon\r\n\r\n')"
	assert_status "$out" 400
	assert_not_contains "$out" RESET
	assert_equal "$(tail -n 1 <<<"$out")" CLOSED
	assert_alive
}

@test "half-closed client: requests sent before the client's FIN are answered" {
	start_server
	# Two pipelined requests, then shutdown(SHUT_WR): the server reads
	# EOF after them, but must still send both responses, whole, and
	# then close.
	out="$("$RAW" -h -r -c -t 5000 "$PORT" \
		'GET /files/64k.txt HTTP/1.1\r\nHost: t\r\n\r\nHEAD /small.txt HTTP/1.1\r\nHost: t\r\n\r\n')"
	assert_equal "$(grep -c '^HTTP/1.1 200' <<<"$out")" 2 "responses"
	assert_equal "$(tail -n 1 <<<"$out")" CLOSED
	body="$("$RAW" -h -t 5000 "$PORT" 'GET /files/64k.txt HTTP/1.1\r\nHost: t\r\n\r\n' | wc -c)"
	[ "$body" -gt 65536 ] || fail "only $body bytes of a 64 KiB file and its head"
	assert_alive
}

# ---- Timeout ----

@test "Timeout 1: half a request line gets 408 or a close within 5 s" {
	start_server -c 'Timeout 1'
	t0="$(now_ms)"
	raw_text -c -t 6000 'GET /files/1k.t' >"$BATS_TEST_TMPDIR/slow" &
	slow=$!
	# Others are answered while the slow client holds its connection.
	sleep 0.2
	assert_alive
	wait "$slow"
	elapsed=$(( $(now_ms) - t0 ))
	out="$(cat "$BATS_TEST_TMPDIR/slow")"
	assert_equal "$(tail -n 1 <<<"$out")" CLOSED
	[ "$elapsed" -lt 5000 ] || fail "cut off after $elapsed ms"
	[ "$elapsed" -ge 700 ] || fail "cut off after $elapsed ms, before 1 s"
	first="${out%%$'\n'*}"
	if [ "$first" != CLOSED ]; then
		assert_status "$out" 408
		assert_equal "$(header_value "$out" Connection)" close \
			"Connection header of the 408"
	fi
	assert_alive
}

@test "Timeout 1: a body that stops coming gets 408 or a close" {
	start_server -c 'Timeout 1' -c 'LabHandlers On'
	t0="$(now_ms)"
	out="$(raw_text -c -t 6000 'POST /lab/echo HTTP/1.1\r\nHost: t\r\nContent-Length: 100\r\n\r\nonly a few bytes')"
	elapsed=$(( $(now_ms) - t0 ))
	first="${out%%$'\n'*}"
	if [ "$first" != CLOSED ]; then
		# The rest of the body may still come: the connection is lost.
		assert_status "$out" 408
		assert_equal "$(header_value "$out" Connection)" close \
			"Connection header of the 408"
	fi
	assert_equal "$(tail -n 1 <<<"$out")" CLOSED
	[ "$elapsed" -lt 5000 ] || fail "cut off after $elapsed ms"
	assert_alive
}

# ---- lab handlers, status, logs ----

@test "lab handlers are off by default (404) and on with LabHandlers On" {
	start_server
	assert_equal "$(http_code '/lab/sleep?ms=1')" 404
	stop_server
	start_server -c 'LabHandlers On'
	assert_equal "$(http_code '/lab/sleep?ms=1')" 200
}

@test "/server-status?auto has mod_status's keys, and counts requests" {
	start_server
	auto="$(http_get '/server-status?auto' | tr -d '\r')"
	for key in 'Total Accesses' 'Total kBytes' Uptime ReqPerSec \
		BytesPerSec BusyWorkers IdleWorkers; do
		assert_match "$auto" "(^|"$'\n'")$key: [0-9.]+"$'(\n|$)' ||
			fail "key $key"
	done
	assert_match "$auto" $'(^|\n)ServerMPM: '"$MPM"$'(\n|$)'
	assert_match "$auto" $'(^|\n)Scoreboard: [_SRWKLDCGI.]+$'
	before="$(status_auto 'Total Accesses')"
	for i in 1 2 3; do http_get /files/1k.txt >/dev/null; done
	# The counter may be updated just after the response is sent.
	at_least() { [ "$(status_auto 'Total Accesses')" -ge "$1" ]; }
	wait_until -t 5 at_least $((before + 3)) ||
		fail "Total Accesses went from $before to $(status_auto 'Total Accesses')"
}

@test "/server-status renders an HTML table" {
	start_server
	out="$(ask "$(get_close /server-status)")"
	assert_status "$out" 200
	assert_match "$(header_value "$out" Content-Type)" '^text/html'
	assert_contains "$out" '<table'
	out="$(http_get '/server-status?refresh=2' -i | tr -d '\r')"
	[[ "$out" =~ http-equiv=\"refresh\"\ content=\"2\" ]] ||
		[[ "$(header_value "$out" Refresh)" == 2* ]] ||
		fail "no refresh of 2 s in /server-status?refresh=2"
}

@test "the access log has a Common Log Format line per request" {
	start_server
	http_get /files/1k.txt >/dev/null
	http_get /nope >/dev/null
	re='^127\.0\.0\.1 - - \[[0-9]{2}/[A-Z][a-z]{2}/[0-9]{4}:[0-9]{2}:[0-9]{2}:[0-9]{2} [+-][0-9]{4}\] "GET /files/1k\.txt HTTP/1\.1" 200 1024$'
	logged() { grep -Eq "$re" "$SRV_DIR/access.log"; }
	wait_until -t 5 logged || fail "no CLF line: $(cat "$SRV_DIR/access.log")"
	nope() { grep -Eq '"GET /nope HTTP/1\.1" 404 [0-9]+$' "$SRV_DIR/access.log"; }
	wait_until -t 5 nope || fail "no 404 line: $(cat "$SRV_DIR/access.log")"
}
