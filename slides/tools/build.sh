#!/bin/sh
# slides/tools/build.sh - `make slides`: every deck of slides/decks/ to one
# self-contained HTML file in slides/out/, plus an index.
#
# What it teaches: a build can be three plain steps anyone can rerun by
# hand: gather the figures (figures.sh), render each deck (render.awk),
# list them (index.html). Needs only sh and awk; base64 (coreutils) only if
# a deck shows a PNG or JPEG.
#
# Environment: AWK (default awk). Exit status 1 if any deck failed to
# render (a slide without a title, a missing figure or include).
set -eu

tools=$(cd "$(dirname "$0")" && pwd)
slides=$(dirname "$tools")
root=$(dirname "$slides")
out=$slides/out
awk=${AWK:-awk}

mkdir -p "$out"
rm -f "$out"/*.html "$out"/*.tmp
sh "$tools/figures.sh" "$root" "$out/figures"

render() { # DECK.md OUT.html
	"$awk" -v css="$tools/slides.css" -v js="$tools/slides.js" \
		-f "$tools/render.awk" "$1" >"$2.tmp" || {
		echo "slides: $1 did not render (see above)" >&2
		rm -f "$2.tmp"
		return 1
	}
	mv "$2.tmp" "$2"
}

# The first "# " heading of a deck is its title.
deck_title() {
	sed -n 's/^# //p' "$1" | head -n 1
}

failed=0
count=0
index=$out/index.md
{
	echo "# The MPM kit: slides"
	echo
	echo "Apache's prefork, worker and event MPMs as three small servers."
	echo "Open a deck; arrows or Space move, N shows the speaker notes,"
	echo "the browser's Print gives a PDF, one slide a page."
	echo
	echo "---"
	echo
	echo "## The decks"
	echo
} >"$index"
for deck in "$slides"/decks/*.md; do
	[ -e "$deck" ] || continue
	name=$(basename "$deck" .md)
	if render "$deck" "$out/$name.html"; then
		count=$((count + 1))
		echo "1. [$(deck_title "$deck")]($name.html)" >>"$index"
	else
		failed=1
	fi
done
{
	echo
	echo "Demos: \`slides/demo/prefork.sh\`, \`worker.sh\`, \`event.sh\`"
	echo "(\`--batch\` runs them without pauses). See \`slides/README.md\`."
} >>"$index"
render "$index" "$out/index.html" || failed=1
rm -f "$index"

echo "slides: $count decks in ${out#"$root"/}/ (open ${out#"$root"/}/index.html)"
exit $failed
