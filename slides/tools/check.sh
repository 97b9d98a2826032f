#!/usr/bin/env bash
# slides/tools/check.sh - the checks tests/slides.bats runs on the decks and
# on the HTML that `make slides` writes. Each prints one line per problem
# and exits 1 if there was any, so a check can be tried on a bad deck too.
#
#   check.sh titles DECK.md...   every slide begins with a "#" or "##" title
#   check.sh refs DECK.md...     every figure and include exists; every
#                                kit path in `code` exists; every
#                                `path/file.c:function` is defined there
#   check.sh html PAGE.html...   self-contained: no external resource, one
#                                title per slide, unique ids, CSS and the
#                                script inline
#   check.sh notes DECK.md...    every slide has speaker notes ("Note:"),
#                                but one that only includes another file
#   check.sh predict DECK.md...  every "Demo..." slide comes right after a
#                                "Predict..." slide: students commit to an
#                                answer before they see it
#
# Paths in decks: figures and includes are relative to the deck; kit paths
# (common/..., 01-prefork/..., labs/..., tests/..., slides/...) are
# relative to the repository root (KIT_ROOT, default two folders up).
set -u

ROOT=${KIT_ROOT:-$(cd "$(dirname "$0")/../.." && pwd)}
TOP_DIRS='common|01-prefork|02-worker|03-event|labs|tests|slides'
problems=0

problem() {
	echo "$*"
	problems=$((problems + 1))
}

# The lines of a deck outside code blocks, as "LINE_NUMBER<TAB>TEXT".
outside_code() {
	awk '/^```/ { fenced = !fenced; next } !fenced { print NR "\t" $0 }' "$1"
}

check_titles() { # DECK
	local line
	while IFS= read -r line; do
		problem "$line"
	done < <(awk -v deck="$1" '
		function end_slide() {
			if (started && !titled)
				print deck ":" first ": slide " n " has no title: " text
		}
		/^```/ { fenced = !fenced }
		!fenced && /^---[ \t]*$/ { end_slide(); started = 0; next }
		/^[ \t]*$/ || /^<!--.*-->$/ { next }
		!started {
			started = 1; n++; first = NR; text = substr($0, 1, 50)
			titled = ($0 ~ /^##? [^ ]/)
		}
		END { end_slide(); if (n == 0) print deck ": no slide at all" }
	' "$1")
}

# The slides of a deck, one line each outside code blocks:
# "FIRST_LINE<TAB>NOTES<TAB>INCLUDE_ONLY<TAB>TITLE" (NOTES, INCLUDE_ONLY: 0/1).
slides_of() {
	awk '
		function flush() {
			if (started) print first "\t" (notes ? 1 : 0) "\t" (body == 0 && inc ? 1 : 0) "\t" title
			started = notes = inc = body = 0; title = ""
		}
		/^```/ { fenced = !fenced }
		!fenced && /^---[ \t]*$/ { flush(); next }
		/^[ \t]*$/ { next }
		!started { started = 1; first = NR }
		!fenced && title == "" && /^##? / { title = $0; next }
		!fenced && /^Note:/ { notes = 1; next }
		!fenced && /^<!-- *include:/ { inc = 1; next }
		{ body++ }
		END { flush() }
	' "$1"
}

check_notes() { # DECK
	local first notes inc title
	while IFS=$'\t' read -r first notes inc title; do
		[ "$notes" = 1 ] || [ "$inc" = 1 ] ||
			problem "$1:$first: slide \"${title:-(no title)}\" has no speaker notes"
	done < <(slides_of "$1")
}

check_predict() { # DECK
	local first notes inc title previous=""
	while IFS=$'\t' read -r first notes inc title; do
		if [[ $title =~ ^##?\ Demo ]] && ! [[ $previous =~ ^##?\ Predict ]]; then
			problem "$1:$first: \"$title\" has no Predict slide right before it"
		fi
		previous=$title
	done < <(slides_of "$1")
}

# Is function fn defined (not only declared) in file? A definition starts
# at column 0 with its type and does not end with ";".
defines() { # FILE FUNCTION
	grep -E "^[A-Za-z_].*[^A-Za-z0-9_]$2\(" "$1" 2>/dev/null |
		grep -qvE ';[[:space:]]*$'
}

check_refs() { # DECK
	local deck=$1 dir n text path token file fn
	dir=$(dirname "$deck")
	# Figures and includes, relative to the deck.
	local figure_re='^!\[[^]]*\]\(([^) ]+)' include_re='^<!-- *include: *([^ ]+) *-->$'
	while IFS=$'\t' read -r n text; do
		path=""
		if [[ $text =~ $figure_re ]] || [[ $text =~ $include_re ]]; then
			path=${BASH_REMATCH[1]}
		fi
		[ -z "$path" ] || [ -e "$dir/$path" ] ||
			problem "$deck:$n: $path does not exist"
	done < <(outside_code "$deck")
	# Code spans: kit paths and file.c:function references.
	while IFS=$'\t' read -r n token; do
		token=${token#./}
		token=${token%%[,;.)]}
		[[ $token =~ ^($TOP_DIRS)/ ]] || continue
		if [[ $token =~ ^([^:]+\.[ch]):([A-Za-z_][A-Za-z0-9_]*)$ ]]; then
			file=${BASH_REMATCH[1]} fn=${BASH_REMATCH[2]}
			if [ ! -f "$ROOT/$file" ]; then
				problem "$deck:$n: $file (in $token) does not exist"
			elif ! defines "$ROOT/$file" "$fn"; then
				problem "$deck:$n: $fn is not defined in $file"
			fi
		elif [[ $token =~ (\.[a-z]+|/)$ ]] && [[ $token != *'*'* ]]; then
			[ -e "$ROOT/$token" ] ||
				problem "$deck:$n: $token does not exist"
		fi
	done < <(outside_code "$deck" | awk -F'\t' '{
		n = $1; s = $0; sub(/^[0-9]+\t/, "", s)
		while ((i = index(s, "`")) > 0) {
			s = substr(s, i + 1)
			if ((j = index(s, "`")) == 0) break
			k = split(substr(s, 1, j - 1), words, /[ \t]+/)
			for (w = 1; w <= k; w++) if (words[w] != "") print n "\t" words[w]
			s = substr(s, j + 1)
		}
	}')
}

check_html() { # PAGE
	local page=$1 sections titles dup hits
	[ -s "$page" ] || { problem "$page: missing or empty"; return; }
	# Anything the browser would fetch: a src= that is not data:, an
	# href= on an element other than <a> (SVG's <use>, <image>, <link>)
	# unless it points inside the page (#id) or is data:, CSS @import or
	# url() of a file, <link>, <iframe>, <object>, <embed>. A link in the
	# text (<a href="https://...">) is allowed: it loads nothing.
	hits=$( {
		grep -noiE '<(link|iframe|object|embed)[ >]' "$page" |
			sed 's/$/: an element that loads a resource/'
		grep -noiE ' src="[^"]*"' "$page" | grep -viE 'src="data:' |
			sed 's/$/: src of a file/'
		grep -noiE '@import|url\(["'"'"']?[^#"'"'"' )][^)]*\)' "$page" |
			grep -viE 'url\(["'"'"']?data:' |
			sed 's/$/: CSS that loads a file/'
		grep -noiE '<[a-z:]+ [^>]*href="[^"]*"' "$page" |
			grep -viE '^[0-9]+:<a |href="(#|data:)' |
			sed 's/$/: href outside <a>/'
	} )
	if [ -n "$hits" ]; then
		while IFS= read -r hit; do
			problem "$page:$hit"
		done <<<"$hits"
	fi
	grep -q '<style>' "$page" || problem "$page: no inline <style>"
	grep -q '<script>' "$page" || problem "$page: no inline <script>"
	sections=$(grep -c '<section class="slide' "$page")
	titles=$(awk '/<section class="slide/ { s = 1; next }
		s && /^<h[12]>/ { t++; s = 0 } END { print t + 0 }' "$page")
	[ "$sections" -gt 0 ] || problem "$page: no slide"
	[ "$sections" = "$titles" ] ||
		problem "$page: $sections slides but $titles begin with a title"
	[ "$sections" = "$(grep -c '</section>' "$page")" ] ||
		problem "$page: <section> and </section> do not pair"
	dup=$(grep -oE ' id="[^"]*"' "$page" | sort | uniq -d | tr '\n' ' ')
	[ -z "$dup" ] || problem "$page: duplicate ids:$dup"
}

what=${1:-}
shift || true
[ $# -gt 0 ] || { echo "usage: check.sh titles|refs|html|notes|predict FILE..." >&2; exit 2; }
for f in "$@"; do
	case $what in
	titles) check_titles "$f" ;;
	refs) check_refs "$f" ;;
	html) check_html "$f" ;;
	notes) check_notes "$f" ;;
	predict) check_predict "$f" ;;
	*) echo "check.sh: unknown check $what" >&2; exit 2 ;;
	esac
done
[ "$problems" -eq 0 ]
