# render.awk - turn one slide deck written in Markdown into one HTML file
# that needs nothing else: CSS, diagrams and script are all inside it.
#
# What it teaches: a useful tool can be one small program in a language
# every Unix machine has (POSIX awk; written against mawk, the strictest). It reads
# the deck, cuts it into slides, and turns each block of Markdown into
# HTML, escaping every piece of text on the way, so a "<" on a slide can
# never become markup.
#
#   awk -v css=tools/slides.css -v js=tools/slides.js \
#       -f tools/render.awk decks/02-prefork.md > out/02-prefork.html
#
# The Markdown it knows (slides/README.md has examples):
#   ---                      a line of its own: the next slide begins
#   # Title / ## Title       the slide's title ('#': a section slide)
#   ### Subtitle             a heading inside a slide
#   - item / 1. item         lists; indent two spaces to nest one level
#   ```lang ... ```          code blocks, shown as written
#   | a | b |                tables (|---|:--:| aligns; \| is a pipe)
#   > text                   a quotation
#   ![alt](file.svg "caption")   a figure: SVG inlined, PNG/JPEG/GIF as data
#   `code` **bold** *italic* [text](url)   inside any text
#   Note: ...                from here to the slide's end: speaker notes
#                            (hidden on screen, printed with the slide)
#   <!-- include: file.md -->  the lines of another file, here
#   <!-- any other comment -->  dropped
# Anything else is a paragraph. There is no raw HTML: it is shown as text.
#
# Exit status 1, after writing the whole file, if a slide has no title or
# a figure or an included file is missing: `make slides` fails loudly.

BEGIN {
	errors = 0
	nlines = 0
	if (ARGC < 2) {
		print "usage: awk [-v css=F] [-v js=F] -f render.awk DECK.md" \
			> "/dev/stderr"
		exit 2
	}
	deck = ARGV[1]
	ARGV[1] = ""            # everything is read here, in BEGIN
	load(deck, 0)
	split_slides()
	write_page()
	exit (errors > 0)
}

function complain(msg) {
	print "render.awk: " msg > "/dev/stderr"
	errors++
}

function dirname_of(path) {
	if (path !~ /\//)
		return "."
	sub(/\/[^\/]*$/, "", path)
	return path == "" ? "/" : path
}

# A path written in a file is relative to that file's folder.
function resolve(dir, path) {
	if (path ~ /^\//)
		return path
	return dir "/" path
}

# ---- Reading: every line of the deck and of what it includes ----------

function load(file, depth,    line, dir, fenced, inc, status) {
	if (depth > 4) {
		complain(file ": includes nested too deep")
		return
	}
	dir = dirname_of(file)
	fenced = 0
	while ((status = (getline line < file)) > 0) {
		sub(/\r$/, "", line)
		if (line ~ /^```/)
			fenced = !fenced
		if (!fenced && line ~ /^<!-- *include: *[^ ]+ *-->$/) {
			inc = line
			sub(/^<!-- *include: */, "", inc)
			sub(/ *-->$/, "", inc)
			inc = resolve(dir, inc)
			if (readable(inc))
				load(inc, depth + 1)
			else
				complain(file ": included file " inc \
					 " is missing")
			continue
		}
		nlines++
		L[nlines] = line
		D[nlines] = dir         # where its relative paths start
	}
	if (status < 0)
		complain(file ": cannot read it")
	close(file)
}

function readable(file,    line, status) {
	status = (getline line < file)
	close(file)
	return status >= 0
}

# ---- Cutting into slides ------------------------------------------------

# S_from[i] .. S_to[i] are the lines of slide i; blank slides are skipped.
function split_slides(    i, from, fenced) {
	nslides = 0
	from = 1
	fenced = 0
	for (i = 1; i <= nlines; i++) {
		if (L[i] ~ /^```/)
			fenced = !fenced
		if (!fenced && L[i] ~ /^---[ \t]*$/) {
			add_slide(from, i - 1)
			from = i + 1
		}
	}
	add_slide(from, nlines)
}

function add_slide(from, to,    i) {
	for (i = from; i <= to; i++)
		if (L[i] !~ /^[ \t]*$/ && L[i] !~ /^<!--.*-->$/) {
			nslides++
			S_from[nslides] = from
			S_to[nslides] = to
			return
		}
}

# ---- Writing the page -----------------------------------------------------

function write_page(    i, title) {
	deck_title = ""
	for (i = 1; i <= nlines && deck_title == ""; i++)
		if (L[i] ~ /^#+ /) {
			title = L[i]
			sub(/^#+ +/, "", title)
			deck_title = plain(title)
		}
	print "<!DOCTYPE html>"
	print "<html lang=\"en\">"
	print "<head>"
	print "<meta charset=\"utf-8\">"
	print "<meta name=\"viewport\" content=\"width=device-width, " \
		"initial-scale=1\">"
	print "<meta name=\"generator\" content=\"mpm-kit " \
		"slides/tools/render.awk\">"
	print "<title>" esc(deck_title) "</title>"
	print "<style>"
	copy_file(css)
	print "</style>"
	print "</head>"
	print "<body>"
	print "<main id=\"deck\">"
	for (i = 1; i <= nslides; i++)
		write_slide(i)
	print "</main>"
	print "<script>"
	copy_file(js)
	print "</script>"
	print "</body>"
	print "</html>"
}

function copy_file(file,    line, status) {
	if (file == "")
		return
	while ((status = (getline line < file)) > 0)
		print line
	if (status < 0)
		complain(file ": cannot read it")
	close(file)
}

function write_slide(n,    from, to, i, first, note, kind, body, notes) {
	from = S_from[n]
	to = S_to[n]
	first = 0
	note = 0
	for (i = from; i <= to; i++) {
		if (!first && L[i] !~ /^[ \t]*$/ && L[i] !~ /^<!--.*-->$/)
			first = i
		if (!note && L[i] ~ /^Note:/)
			note = i
	}
	kind = "slide"
	if (L[first] ~ /^# /)
		kind = "slide section-title"
	else if (L[first] !~ /^##? /)
		complain(deck ": slide " n " has no title (it begins \"" \
			 substr(L[first], 1, 40) "\"; start it with # or ##)")
	body = blocks(from, note ? note - 1 : to, 0)
	notes = note ? blocks(note, to, 1) : ""
	print "<section class=\"" kind "\" id=\"s" n "\">"
	printf "%s", body
	if (notes != "")
		print "<aside class=\"notes\">" notes "</aside>"
	print "<footer><span>" esc(deck_title) "</span><span class=\"num\">" \
		n " / " nslides "</span></footer>"
	print "</section>"
}

# ---- Blocks -------------------------------------------------------------

# HTML for lines from..to. in_notes: the first line begins with "Note:".
function blocks(from, to, in_notes,    i, line, out, m, lang, code, para,
		j, quote, alt) {
	out = ""
	para = ""
	list_reset()
	for (i = from; i <= to; i++) {
		line = L[i]
		if (in_notes && i == from)
			sub(/^Note: */, "", line)
		if (line ~ /^```/) {                    # a code block
			out = out close_para(para) list_close(0)
			para = ""
			lang = line
			sub(/^```[ \t]*/, "", lang)
			code = ""
			for (i++; i <= to && L[i] !~ /^```/; i++)
				code = code esc(L[i]) "\n"
			out = out "<pre" (lang ~ /^[A-Za-z0-9_-]+$/ ? \
				" class=\"lang-" lang "\"" : "") "><code>" \
				code "</code></pre>\n"
			continue
		}
		if (line ~ /^[ \t]*$/ || line ~ /^<!--.*-->$/) {
			out = out close_para(para) list_close(0)
			para = ""
			continue
		}
		if (line ~ /^#+ /) {                    # a heading
			out = out close_para(para) list_close(0)
			para = ""
			m = line
			sub(/ .*/, "", m)
			m = length(m)
			if (m > 4)
				m = 4
			sub(/^#+ +/, "", line)
			out = out "<h" m ">" inline(line) "</h" m ">\n"
			continue
		}
		if (line ~ /^\|/ && i < to && is_table_rule(L[i + 1])) {
			out = out close_para(para) list_close(0)
			para = ""
			for (j = i + 2; j <= to && L[j] ~ /^\|/; j++)
				;
			out = out table(i, j - 1)
			i = j - 1
			continue
		}
		if (line ~ /^>/) {                      # a quotation
			out = out close_para(para) list_close(0)
			para = ""
			quote = ""
			for (; i <= to && L[i] ~ /^>/; i++) {
				line = L[i]
				sub(/^> ?/, "", line)
				quote = quote (line == "" ? "\n\n" : line " ")
			}
			i--
			out = out "<blockquote>" paragraphs(quote) \
				"</blockquote>\n"
			continue
		}
		if (line ~ /^!\[[^]]*\]\([^)]*\)$/) {   # a figure
			out = out close_para(para) list_close(0)
			para = ""
			out = out figure(line, D[i])
			continue
		}
		if (line ~ /^ *([-*]|[0-9]+\.) /) {     # a list item
			out = out close_para(para)
			para = ""
			out = out list_item(line)
			continue
		}
		if (list_depth > 0 && line ~ /^  +[^ ]/) {  # item, continued
			sub(/^ +/, "", line)
			li_text = li_text " " line
			continue
		}
		out = out list_close(0)
		para = para (para == "" ? "" : "\n") line
	}
	return out close_para(para) list_close(0)
}

function close_para(text) {
	return text == "" ? "" : "<p>" inline(text) "</p>\n"
}

# Text with blank lines ("\n\n") between paragraphs.
function paragraphs(text,    parts, n, k, out) {
	n = split(text, parts, /\n\n/)
	out = ""
	for (k = 1; k <= n; k++) {
		sub(/ +$/, "", parts[k])
		if (parts[k] != "")
			out = out "<p>" inline(parts[k]) "</p>"
	}
	return out
}

# ---- Lists: list_kind[d] is "ul" or "ol" for depth d (1 or 2) ----------

function list_reset() {
	list_depth = 0
	li_text = ""
	li_open = 0
}

function li_flush(    t) {
	if (!li_open)
		return ""
	t = li_text
	li_text = ""
	li_open = 0
	return inline(t)
}

function list_item(line,    indent, marker, kind, depth, out) {
	indent = line
	sub(/[^ ].*/, "", indent)
	depth = length(indent) >= 2 ? 2 : 1
	if (depth > list_depth + 1)
		depth = list_depth + 1
	sub(/^ +/, "", line)
	marker = line
	sub(/ .*/, "", marker)
	kind = marker ~ /^[0-9]/ ? "ol" : "ul"
	sub(/^[^ ]+ +/, "", line)
	out = li_flush()
	if (depth > list_depth) {               # open a list (in the item)
		out = out "<" kind ">\n"
		list_depth = depth
		list_kind[depth] = kind
	} else {
		out = out list_close(depth) "</li>\n"
		if (list_kind[depth] != kind) {
			out = out "</" list_kind[depth] ">\n<" kind ">\n"
			list_kind[depth] = kind
		}
	}
	li_text = line
	li_open = 1
	return out "<li>"
}

# Close the open lists deeper than depth (0: every list).
function list_close(depth,    out) {
	out = li_flush()
	while (list_depth > depth) {
		out = out "</li>\n</" list_kind[list_depth] ">\n"
		list_depth--
	}
	return out
}

# ---- Tables ---------------------------------------------------------------

function is_table_rule(line) {
	return line ~ /^\|? *:?-+:? *(\| *:?-+:? *)*\|? *$/
}

function cells(line, arr,    n, k) {
	gsub(/\\\|/, "\001", line)              # \| is a pipe in a cell
	sub(/^ *\|/, "", line)
	sub(/\| *$/, "", line)
	n = split(line, arr, "|")
	for (k = 1; k <= n; k++) {
		gsub(/\001/, "|", arr[k])
		sub(/^[ \t]+/, "", arr[k])
		sub(/[ \t]+$/, "", arr[k])
	}
	return n
}

function table(from, to,    head, rule, row, n, k, r, align, out, a) {
	n = cells(L[from], head)
	cells(L[from + 1], rule)
	for (k = 1; k <= n; k++) {
		a = ""
		if (rule[k] ~ /^:-+:$/)
			a = " class=\"c\""
		else if (rule[k] ~ /-:$/)
			a = " class=\"r\""
		align[k] = a
	}
	out = "<table>\n<thead><tr>"
	for (k = 1; k <= n; k++)
		out = out "<th" align[k] ">" inline(head[k]) "</th>"
	out = out "</tr></thead>\n<tbody>\n"
	for (r = from + 2; r <= to; r++) {
		split("", row)
		cells(L[r], row)
		out = out "<tr>"
		for (k = 1; k <= n; k++)
			out = out "<td" align[k] ">" inline(row[k]) "</td>"
		out = out "</tr>\n"
	}
	return out "</tbody>\n</table>\n"
}

# ---- Figures --------------------------------------------------------------

# ![alt](path "caption"): the file's content, inlined.
function figure(line, dir,    alt, path, caption, file, out) {
	alt = line
	sub(/^!\[/, "", alt)
	sub(/\]\(.*$/, "", alt)
	path = line
	sub(/^!\[[^]]*\]\(/, "", path)
	sub(/\)$/, "", path)
	caption = ""
	if (path ~ / "[^"]*"$/) {
		caption = path
		sub(/^[^"]* "/, "", caption)
		sub(/"$/, "", caption)
		sub(/ +"[^"]*"$/, "", path)
	}
	file = resolve(dir, path)
	out = "<figure class=\"diagram\" role=\"img\" aria-label=\"" \
		esc(alt) "\">\n"
	if (!readable(file)) {
		complain(deck ": figure " file " is missing")
		out = out "<p class=\"missing\">missing figure: " esc(path) \
			"</p>\n"
	} else if (path ~ /\.svg$/)
		out = out svg_of(file)
	else if (path ~ /\.(png|jpe?g|gif)$/)
		out = out "<img alt=\"" esc(alt) "\" src=\"" data_uri(file, \
			path) "\">\n"
	else
		complain(deck ": " path ": a figure is .svg, .png, .jpg or .gif")
	if (caption != "")
		out = out "<figcaption>" inline(caption) "</figcaption>\n"
	return out "</figure>\n"
}

# An SVG file without its XML prolog and doctype (not allowed inside HTML).
function svg_of(file,    line, out, status) {
	out = ""
	while ((status = (getline line < file)) > 0) {
		if (line ~ /^<\?xml/ || line ~ /^<!DOCTYPE/)
			continue
		out = out line "\n"
	}
	close(file)
	return out
}

# A raster image as a data: URI, through base64(1) from coreutils.
function data_uri(file, path,    type, cmd, line, out) {
	type = "image/png"
	if (path ~ /\.jpe?g$/)
		type = "image/jpeg"
	else if (path ~ /\.gif$/)
		type = "image/gif"
	gsub(/'/, "'\\''", file)
	cmd = "base64 -w 0 '" file "'"
	out = ""
	while ((cmd | getline line) > 0)
		out = out line
	close(cmd)
	return "data:" type ";base64," out
}

# ---- Text -----------------------------------------------------------------

function esc(s) {
	gsub(/&/, "\\&amp;", s)
	gsub(/</, "\\&lt;", s)
	gsub(/>/, "\\&gt;", s)
	gsub(/"/, "\\&quot;", s)
	return s
}

# A title as plain text: no markup characters.
function plain(s) {
	gsub(/`|\*\*/, "", s)
	return s
}

# `code` spans first (nothing inside them is markup), then the rest.
function inline(s,    out, i, j, rest) {
	out = ""
	while ((i = index(s, "`")) > 0) {
		rest = substr(s, i + 1)
		j = index(rest, "`")
		if (j == 0)
			break
		out = out marks(substr(s, 1, i - 1)) "<code>" \
			esc(substr(rest, 1, j - 1)) "</code>"
		s = substr(rest, j + 1)
	}
	return out marks(s)
}

# Escaped text with links, **bold** and *italic*.
function marks(s) {
	s = esc(s)
	s = links(s)
	s = pairs(s, "**", "strong")
	s = pairs(s, "*", "em")
	return s
}

# [text](url): text may hold bold and italic; url is already escaped.
function links(s,    out, i, mid, end, text, url) {
	out = ""
	while ((i = index(s, "[")) > 0) {
		mid = index(substr(s, i), "](")
		if (mid == 0)
			break
		end = index(substr(s, i + mid + 1), ")")
		if (end == 0)
			break
		text = substr(s, i + 1, mid - 2)
		url = substr(s, i + mid + 1, end - 1)
		out = out substr(s, 1, i - 1) "<a href=\"" url "\"" \
			(url ~ /^https?:/ ? " class=\"ext\"" : "") ">" \
			text "</a>"
		s = substr(s, i + mid + end + 1)
	}
	return out s
}

# Replace delim...delim by <tag>...</tag>, where the text inside neither
# begins nor ends with a blank (so "2 * 3 * 4" stays arithmetic).
function pairs(s, delim, tag,    out, i, j, n, rest, inner) {
	n = length(delim)
	out = ""
	while ((i = index(s, delim)) > 0) {
		rest = substr(s, i + n)
		j = index(rest, delim)
		inner = substr(rest, 1, j - 1)
		if (j < 2 || inner ~ /^[ \t]/ || inner ~ /[ \t]$/) {
			out = out substr(s, 1, i + n - 1)
			s = rest
			continue
		}
		out = out substr(s, 1, i - 1) "<" tag ">" inner "</" tag ">"
		s = substr(rest, j + n)
	}
	return out s
}
