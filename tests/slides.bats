#!/usr/bin/env bats
# slides.bats - the decks in slides/ render, say what the code says, load
# nothing from the network, and their demos run.
#
# What it teaches: slides rot like code. A function renamed in the code, a
# diagram deleted, a slide that lost its title, a figure that would need
# the network in a lecture hall without Wi-Fi: each is a failing test
# here, not a surprise in front of students. The checks live in
# slides/tools/check.sh; the tests at the end feed them bad input to show
# that each one can fail.
# Run: bats tests/slides.bats (about 30 s: the demos run in batch mode).

load helpers

SLIDES="$ROOT/slides"

# The checks, through bash: no need for the file's executable bit.
check() {
	bash "$SLIDES/tools/check.sh" "$@"
}

setup_file() {
	make -C "$ROOT" -s slides >/dev/null 2>&1 || true
}

decks() {
	ls "$SLIDES"/decks/*.md
}

html_of() { # DECK.md -> its HTML file
	echo "$SLIDES/out/$(basename "$1" .md).html"
}

@test "make slides renders every deck to one HTML file, and an index" {
	run make -C "$ROOT" -s slides
	[ "$status" -eq 0 ] || fail "make slides failed: $output"
	local n=0 deck
	for deck in $(decks); do
		n=$((n + 1))
		[ -s "$(html_of "$deck")" ] || fail "no HTML for $deck"
	done
	[ "$n" -ge 6 ] || fail "only $n decks"
	[ -s "$SLIDES/out/index.html" ] || fail "no index.html"
	for deck in $(decks); do
		grep -q "$(basename "$deck" .md).html" "$SLIDES/out/index.html" ||
			fail "the index does not link $(basename "$deck")"
	done
}

@test "every deck has 10 to 24 slides (figures included), each source title on one" {
	local deck html title count missing=""
	for deck in $(decks); do
		html=$(html_of "$deck")
		count=$(grep -c '<section class="slide' "$html")
		[ "$count" -ge 10 ] && [ "$count" -le 24 ] ||
			fail "$deck: $count slides"
		# Titles as text: the source without markup, the HTML without
		# tags and entities.
		while IFS= read -r title; do
			grep -qxF -- "$title" <(sed -n 's/^<h[12]>\(.*\)<\/h[12]>$/\1/p' "$html" |
				sed 's/<[^>]*>//g; s/&lt;/</g; s/&gt;/>/g; s/&quot;/"/g; s/&amp;/\&/g') ||
				missing="$missing [$deck: $title]"
		done < <(awk '/^```/ { f = !f } !f && /^##? / { sub(/^##? +/, ""); gsub(/`|\*\*/, ""); print }' "$deck")
	done
	[ -z "$missing" ] || fail "titles not rendered:$missing"
}

@test "every slide has a title, in the sources and in the HTML" {
	run check titles $(decks)
	[ "$status" -eq 0 ] || fail "$output"
	run check html "$SLIDES"/out/*.html
	[ "$status" -eq 0 ] || fail "$output"
}

@test "every figure, include and kit path the decks name exists" {
	run check refs $(decks)
	[ "$status" -eq 0 ] || fail "$output"
}

@test "the required diagrams exist, are used, and the state machine matches event.h" {
	local svg state
	for svg in prefork worker event event-states scoreboard; do
		[ -s "$SLIDES/diagrams/$svg.svg" ] || fail "no diagrams/$svg.svg"
	done
	for svg in "$SLIDES"/diagrams/*.svg; do
		grep -q '<svg' "$svg" && grep -q '</svg>' "$svg" ||
			fail "$svg is not an SVG"
		grep -qF "diagrams/$(basename "$svg")" "$SLIDES"/decks/*.md ||
			fail "no deck shows $(basename "$svg")"
	done
	# Every state of enum conn_state (but the CS_COUNT sentinel) is drawn.
	for state in $(sed -n '/^enum conn_state/,/^}/p' "$ROOT/03-event/event.h" |
		       grep -oE '\bCS_[A-Z_]+' | grep -v CS_COUNT); do
		grep -q "$state" "$SLIDES/diagrams/event-states.svg" ||
			fail "$state (03-event/event.h) is not in event-states.svg"
	done
}

@test "every slide has speaker notes, and every demo a Predict slide right before it" {
	run check notes $(decks)
	[ "$status" -eq 0 ] || fail "$output"
	run check predict $(decks)
	[ "$status" -eq 0 ] || fail "$output"
	# and there are demos to predict: one in each MPM's deck at least
	[ "$(cat "$SLIDES"/decks/*.md | grep -cE '^## Demo')" -ge 3 ] ||
		fail "fewer than 3 demo slides"
}

@test "the intro lists every lab and the four assignments; labs 9 and 10 have a deck" {
	local intro="$SLIDES/decks/01-intro.md" lab n=0 a
	for lab in "$ROOT"/labs/[0-9][0-9]-*/; do
		n=$((n + 1))
		grep -qF "\`labs/$(basename "$lab")/\`" "$intro" ||
			fail "the intro does not list labs/$(basename "$lab")/"
	done
	[ "$n" -ge 10 ] || fail "only $n labs in labs/"
	for a in prefork-spares worker-queue event-keepalive http-parser; do
		grep -qF "\`$a\`" "$intro" || fail "the intro does not list assignment $a"
	done
	grep -qF 'make grade A=' "$intro" || fail "the intro does not say how to grade one"
	for lab in 09-slow-clients 10-keepalive-off-for-apis; do
		grep -lqF "labs/$lab/run.sh" "$SLIDES"/decks/*.md ||
			fail "no deck walks through labs/$lab/run.sh"
	done
}

@test "code references path/file.c:function name functions defined there" {
	local refs
	refs=$(grep -ohE '[0-9a-z_./-]+\.c:[A-Za-z_][A-Za-z0-9_]*' "$SLIDES"/decks/*.md | sort -u | wc -l)
	[ "$refs" -ge 40 ] || fail "only $refs code references: the decks should walk through the code"
	run check refs $(decks)
	[ "$status" -eq 0 ] || fail "$output"
}

@test "the HTML is self-contained: nothing to fetch, CSS and script inline" {
	local page
	run check html "$SLIDES"/out/*.html
	[ "$status" -eq 0 ] || fail "$output"
	# Diagrams are inlined, not referenced.
	grep -q '<svg' "$SLIDES/out/02-prefork.html" || fail "no inline SVG"
	for page in "$SLIDES"/out/*.html; do
		! grep -qE '<img[^>]+src="[^d]' "$page" || fail "$page: <img> of a file"
		grep -q '@media print' "$page" || fail "$page: no print stylesheet"
		grep -q 'ArrowRight' "$page" || fail "$page: no key handling"
	done
}

@test "the benchmark figures come from a real run, with its machine, or say there is none" {
	local out="$BATS_TEST_TMPDIR/fig" run_dir="$BATS_TEST_TMPDIR/results/host-1" n
	# No run at all: the slide says so.
	mkdir -p "$BATS_TEST_TMPDIR/empty"
	run sh "$SLIDES/tools/figures.sh" "$BATS_TEST_TMPDIR/empty" "$out"
	[ "$status" -eq 0 ] || fail "$output"
	grep -q 'No benchmark run yet: run `make bench`' "$out/bench.md" ||
		fail "no 'no benchmark run yet' slide: $(cat "$out/bench.md")"
	# A run folder as labs/bench writes it (made-up values, only here).
	mkdir -p "$run_dir"
	cat >"$run_dir/bench.md" <<-'EOF'
	# make bench: host, 2030-01-02 03:04:05 UTC

	- machine: host, Test CPU 9000, 2 cores, Linux 6.1.0
	- placement: server and loadgen share all 2 cores (too few to pin them apart)

	| server | scenario | requests/s | p50 (ms) | p99 (ms) | errors | processes/threads | memory (PSS MiB) |
	|---|---|---:|---:|---:|---|---:|---:|
	| prefork | keep-alive, 1 client | 1111 | 0.50 | 0.75 | 0 | 9/9 | 12.5 |
	| event | keep-alive, 1 client | 2222 | 0.25 | 0.35 | 0 | 3/40 | 8.5 |
	EOF
	echo 'server,scenario' >"$run_dir/bench.csv"
	echo '<svg xmlns="http://www.w3.org/2000/svg"><text>chart-from-the-run</text></svg>' >"$run_dir/bench.svg"
	run env SLIDES_RESULTS="$run_dir" sh "$SLIDES/tools/figures.sh" "$BATS_TEST_TMPDIR/empty" "$out"
	[ "$status" -eq 0 ] || fail "$output"
	grep -q 'chart-from-the-run' "$out/bench.svg" || fail "the chart was not copied"
	grep -q 'Test CPU 9000, 2 cores' "$out/bench.md" || fail "no machine line"
	grep -q '2222 (0.35 ms)' "$out/bench.md" || fail "table not carried over"
	# Never a number the run did not write: every number in a table or
	# on a machine line of the slides is in the run's bench.md.
	# (The run's folder, named after "Source:" and in parentheses, is
	# left out: this test's temporary path has random digits.)
	for n in $(grep -E '^\||Measured on' "$out/bench.md" |
		   sed -E 's/Source: .*//; s/\([^)]*\)//g' |
		   grep -oE '[0-9]+(\.[0-9]+)?' | sort -u); do
		grep -qF -- "$n" "$run_dir/bench.md" ||
			fail "$n is in the slides but not in the run's bench.md"
	done
	# And the real deck carries whatever make slides found.
	grep -qE 'no benchmark run yet|Measured on ' "$SLIDES/out/05-measuring.html" ||
		fail "05-measuring.html has no figures slide"
}

@test "no slide overflows its box at 1280x720 (needs a headless Chromium)" {
	local browser page over="" dom
	browser=$(command -v chromium || command -v chromium-browser ||
		  command -v google-chrome) ||
		skip "no Chromium to lay the slides out"
	for page in "$SLIDES"/out/*.html; do
		# slides.js marks a slide whose content is taller or wider
		# than the slide with class "overflow".
		dom=$(timeout 60 "$browser" --headless --no-sandbox --disable-gpu \
			--disable-background-networking --window-size=1280,720 \
			--dump-dom "file://$page" 2>/dev/null)
		grep -q '<section class="slide' <<<"$dom" ||
			fail "$browser printed no DOM for $page"
		over+=$(grep -oE '<section class="slide[^"]*overflow[^"]*" id="s[0-9]+"' <<<"$dom" |
			sed "s|^|$(basename "$page"): |")
	done
	[ -z "$over" ] || fail "slides that overflow: $over"
}

# run_demo NAME: the demo in batch mode, bounded, its server gone after.
run_demo() {
	local pid left
	run timeout 60 bash "$SLIDES/demo/$1.sh" --batch
	pid=$(grep -oE '\(pid [0-9]+\)' <<<"$output" | grep -oE '[0-9]+' | head -n 1)
	if [ -n "$pid" ]; then
		left=$(group_pids "$pid")
		# A demo stopped by timeout must not leave its server behind.
		[ -z "$left" ] || kill -KILL -- "-$pid" 2>/dev/null || true
		[ -z "$left" ] || fail "demo $1 left its server running: $left"
	fi
	[ "$status" -eq 0 ] || fail "demo $1 exited with $status: $output"
	[ -n "$pid" ] || fail "demo $1 printed no server pid: $output"
	grep -q 'server-status' <<<"$output" || fail "demo $1 printed no scoreboard URL"
}

# The time the demo printed for its third request, in whole ms.
third_request_ms() {
	sed -n 's/^third request: HTTP 200 in \([0-9]*\)\(\.[0-9]*\)\{0,1\} ms$/\1/p' <<<"$output"
}

@test "demo prefork.sh: the children grow under load, then shrink" {
	need_binaries || return 1
	run_demo prefork
	local counts most last
	counts=$(grep -oE '^t=[0-9.]+s +[0-9]+ children' <<<"$output" | awk '{ print $2 }')
	most=$(sort -n <<<"$counts" | tail -n 1)
	last=$(tail -n 1 <<<"$counts")
	[ "${most:-0}" -ge 8 ] || fail "children never went above ${most:-?}: $output"
	[ "$last" -lt "$most" ] || fail "children did not shrink ($most, then $last)"
}

@test "demo worker.sh and event.sh: the third request waits in worker, not in event" {
	need_binaries || return 1
	local worker_ms event_ms
	run_demo worker
	worker_ms=$(third_request_ms)
	[ -n "$worker_ms" ] || fail "worker demo printed no time: $output"
	run_demo event
	event_ms=$(third_request_ms)
	[ -n "$event_ms" ] || fail "event demo printed no time: $output"
	grep -q 'ConnsAsyncKeepAlive: 2' <<<"$output" ||
		fail "the event demo's idle clients were not in keep-alive: $output"
	# KeepAliveTimeout is 3 s; bounds wide enough for a loaded machine.
	[ "$worker_ms" -ge 1500 ] || fail "worker: the third request waited only $worker_ms ms"
	[ "$event_ms" -lt 1000 ] || fail "event: the third request waited $event_ms ms"
	[ $((worker_ms - event_ms)) -ge 1000 ] || fail "worker $worker_ms ms, event $event_ms ms"
}

# ---- the checks themselves can fail ----

@test "the checks catch a slide without a title, a missing function, figure and file" {
	local deck="$BATS_TEST_TMPDIR/decks/bad.md"
	mkdir -p "$(dirname "$deck")"
	cat >"$deck" <<-'EOF'
	# A deck

	`common/conn.c:conn_serve` exists, `common/conn.c:no_such_function` does not,
	nor does `common/no_such_file.c`.

	---

	a slide without a title
	![a figure](no-such.svg)
	EOF
	run check titles "$deck"
	[ "$status" -eq 1 ] || fail "titles passed: $output"
	[[ $output == *"slide 2 has no title"* ]] || fail "$output"
	run check refs "$deck"
	[ "$status" -eq 1 ] || fail "refs passed: $output"
	[[ $output == *"no_such_function is not defined in common/conn.c"* ]] || fail "$output"
	[[ $output == *"common/no_such_file.c does not exist"* ]] || fail "$output"
	[[ $output == *"no-such.svg does not exist"* ]] || fail "$output"
	[[ $output != *"conn_serve is not"* ]] || fail "a defined function was refused: $output"
	# The renderer refuses it too, and says why.
	run awk -f "$SLIDES/tools/render.awk" "$deck"
	[ "$status" -eq 1 ] || fail "render.awk accepted it"
	[[ $output == *"has no title"* ]] || fail "$output"
}

@test "the notes and predict checks catch a claim without notes and a demo without a prediction" {
	local deck="$BATS_TEST_TMPDIR/nonotes.md"
	cat >"$deck" <<-'EOF'
	# A deck

	Note: the title slide has its notes

	---

	## A claim

	- prefork is slow

	---

	<!-- include: ../out/figures/bench.md -->

	---

	## Demo: something

	```sh
	Note: inside code this is not a note
	```
	EOF
	run check notes "$deck"
	[ "$status" -eq 1 ] || fail "notes passed: $output"
	[[ $output == *'slide "## A claim" has no speaker notes'* ]] || fail "$output"
	[[ $output == *'slide "## Demo: something" has no speaker notes'* ]] ||
		fail "a Note: inside a code block was taken for notes: $output"
	[[ $output != *"A deck"* ]] || fail "a slide with notes was refused: $output"
	[[ $output != *"include"* ]] || fail "an include-only slide was refused: $output"
	run check predict "$deck"
	[ "$status" -eq 1 ] || fail "predict passed: $output"
	[[ $output == *'"## Demo: something" has no Predict slide right before it'* ]] || fail "$output"
}

@test "the HTML check catches external resources, missing titles, duplicate ids" {
	local page="$BATS_TEST_TMPDIR/bad.html"
	cat >"$page" <<-'EOF'
	<html><head><style></style></head><body>
	<section class="slide" id="s1">
	<h2>ok</h2><script src="https://cdn.example/framework.js"></script>
	<a href="https://example.org/">a plain link is fine</a>
	</section>
	<section class="slide" id="s1">
	<p>no title</p><svg><image href="picture.png"/></svg>
	</section>
	<script></script></body></html>
	EOF
	run check html "$page"
	[ "$status" -eq 1 ] || fail "html passed: $output"
	[[ $output == *"cdn.example"* ]] || fail "external script not seen: $output"
	[[ $output == *"picture.png"* ]] || fail "SVG image not seen: $output"
	[[ $output == *"2 slides but 1 begin with a title"* ]] || fail "$output"
	[[ $output == *"duplicate ids"* ]] || fail "$output"
	[[ $output != *"example.org"* ]] || fail "a plain link was refused: $output"
}

@test "the renderer escapes HTML in text, code and titles" {
	local deck="$BATS_TEST_TMPDIR/esc.md"
	cat >"$deck" <<-'EOF'
	## A <title> & "quotes"

	Text with <script>alert(1)</script> and `a < b && c > d`.

	```
	<img src=x onerror=alert(1)>
	```
	EOF
	run awk -f "$SLIDES/tools/render.awk" "$deck"
	[ "$status" -eq 0 ] || fail "$output"
	[[ $output != *"<script>alert"* ]] || fail "raw <script> in the output"
	[[ $output != *"<img src=x"* ]] || fail "raw <img> in the output"
	[[ $output == *"&lt;script&gt;alert(1)&lt;/script&gt;"* ]] || fail "$output"
	[[ $output == *"<code>a &lt; b &amp;&amp; c &gt; d</code>"* ]] || fail "$output"
	[[ $output == *"<h2>A &lt;title&gt; &amp; &quot;quotes&quot;</h2>"* ]] || fail "$output"
}
