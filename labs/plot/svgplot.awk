# svgplot.awk - the drawing half of labs/plot/svgplot (read that file for
# the options). Plain POSIX awk: it runs under mawk, gawk and busybox awk.
#
# How it works: read the CSV into series (one per value of the series
# column, or one per y column), find the data's range, round it out to
# "nice" tick steps (1, 2 or 5 times a power of ten), then print SVG
# elements: frame and grid, ticks, one polyline or one group of bars per
# series, a legend, the labels. Coordinates are computed here, so the SVG
# is static and renders the same in any browser.

BEGIN {
	FS = ","
	W = 780; H = 470
	PX0 = 80; PX1 = W - 200; PY0 = 72; PY1 = H - 62
	nseries = 0; ncat = 0; npoints = 0
	ny = split(ycol, ycols, ",")
	nwhere = split(where, wraw, ";")
	nw = 0
	for (i = 1; i <= nwhere; i++) {
		if (wraw[i] == "")
			continue
		eq = index(wraw[i], "=")
		if (eq == 0)
			fail("-w " wraw[i] ": expected COL=VALUE")
		nw++
		wcol[nw] = substr(wraw[i], 1, eq - 1)
		wval[nw] = substr(wraw[i], eq + 1)
	}
	palette_init()
}

function fail(msg) {
	print "svgplot: " msg > "/dev/stderr"
	failed = 1
	exit 1
}

function palette_init() {
	# Fixed colours for the three MPMs; the rest take the palette in turn.
	fixed["prefork"] = "#d62728"
	fixed["worker"] = "#1f77b4"
	fixed["event"] = "#2ca02c"
	npal = split("#9467bd,#ff7f0e,#8c564b,#e377c2,#17becf,#7f7f7f," \
		     "#bcbd22,#393b79", pal, ",")
	nextpal = 1
}

# "worker (MaxConnectionsPerChild 50)" takes worker's colour, dashed.
function first_word(name) {
	sub(/[ (].*$/, "", name)
	return name
}

function dash_of(name) {
	if (name == reference)
		return " stroke-dasharray=\"3,3\""
	if (name in fixed || !(first_word(name) in fixed))
		return ""
	return " stroke-dasharray=\"7,4\""
}

function colour_of(name) {
	if (name == reference)
		return "#555555"
	if (name in fixed)
		return fixed[name]
	if (first_word(name) in fixed)
		return fixed[first_word(name)]
	if (!(name in assigned)) {
		assigned[name] = pal[nextpal]
		nextpal = nextpal % npal + 1
	}
	return assigned[name]
}

function esc(s) {
	gsub(/&/, "\\&amp;", s)
	gsub(/</, "\\&lt;", s)
	gsub(/>/, "\\&gt;", s)
	gsub(/"/, "\\&quot;", s)
	return s
}

function trim(s) {
	sub(/^[ \t\r]+/, "", s)
	sub(/[ \t\r]+$/, "", s)
	return s
}

function is_number(s) {
	return s ~ /^[-+]?([0-9]+\.?[0-9]*|\.[0-9]+)([eE][-+]?[0-9]+)?$/
}

function series_index(name) {
	if (!(name in sidx)) {
		nseries++
		sidx[name] = nseries
		sname[nseries] = name
		scount[nseries] = 0
	}
	return sidx[name]
}

function category_index(name) {
	if (!(name in cidx)) {
		ncat++
		cidx[name] = ncat
		cname[ncat] = name
	}
	return cidx[name]
}

function add_point(s, x, y,    k) {
	k = ++scount[s]
	px[s, k] = x
	py[s, k] = y
	npoints++
}

NR == 1 {
	for (i = 1; i <= NF; i++)
		col[trim($i)] = i
	if (!(xcol in col))
		fail("no column " xcol " in the CSV")
	for (j = 1; j <= ny; j++)
		if (!(ycols[j] in col))
			fail("no column " ycols[j] " in the CSV")
	if (scol != "" && !(scol in col))
		fail("no column " scol " in the CSV")
	for (j = 1; j <= nw; j++)
		if (!(wcol[j] in col))
			fail("no column " wcol[j] " in the CSV (-w)")
	next
}

NF == 0 { next }

{
	for (j = 1; j <= nw; j++)
		if (trim($(col[wcol[j]])) != wval[j])
			next
	x = trim($(col[xcol]))
	if (type == "line" && !is_number(x))
		next
	for (j = 1; j <= ny; j++) {
		y = trim($(col[ycols[j]]))
		if (!is_number(y))
			continue
		name = scol != "" ? trim($(col[scol])) : ycols[j]
		if (scol != "" && ny > 1)
			name = name " " ycols[j]
		s = series_index(name)
		if (type == "bar")
			x = category_index(x)
		add_point(s, x + 0, y + 0)
	}
}

# ---- scales ----

function log10(v) { return log(v) / log(10) }

function floor_(v) { return v == int(v) || v >= 0 ? int(v) : int(v) - 1 }
function ceil_(v) { return v == int(v) || v < 0 ? int(v) : int(v) + 1 }

function nice_step(range, want,    raw, p, f) {
	raw = range / want
	if (raw <= 0)
		return 1
	p = 10 ^ floor_(log(raw) / log(10))
	f = raw / p
	if (f < 1.5) return p
	if (f < 3) return 2 * p
	if (f < 7) return 5 * p
	return 10 * p
}

function decimals(step,    d) {
	d = 0
	while (step < 1 && d < 6) {
		step *= 10
		d++
	}
	return d
}

function fmt(v, d) {
	if (v < 0 && v > -1e-12)
		v = 0
	return sprintf("%." d "f", v)
}

function sx(x) { return PX0 + (x - xmin) / (xmax - xmin) * (PX1 - PX0) }

function sy(y,    t) {
	if (logy)
		t = y <= 0 ? 0 : (log(y) / log(10) - lmin) / (lmax - lmin)
	else
		t = (y - ymin) / (ymax - ymin)
	return PY1 - t * (PY1 - PY0)
}

# With -l only positive values set the y range; zeros are drawn on the
# bottom edge.
function find_ranges(    s, k, first, firsty) {
	first = 1
	firsty = 1
	for (s = 1; s <= nseries; s++)
		for (k = 1; k <= scount[s]; k++) {
			if (px[s, k] != int(px[s, k])) x_fraction = 1
			if (first || px[s, k] < dxmin) dxmin = px[s, k]
			if (first || px[s, k] > dxmax) dxmax = px[s, k]
			first = 0
			if (logy && py[s, k] <= 0)
				continue
			if (firsty || py[s, k] < dymin) dymin = py[s, k]
			if (firsty || py[s, k] > dymax) dymax = py[s, k]
			firsty = 0
		}
	if (firsty)
		dymin = dymax = logy ? 1 : 0
	x_integers = !x_fraction
}

function y_scale() {
	if (logy) {
		lmin = log10(ymin_opt != "" && ymin_opt > 0 ? ymin_opt : dymin)
		lmax = log10(ymax_opt != "" ? ymax_opt : dymax)
		lmin = floor_(lmin)
		lmax = ceil_(lmax)
		if (lmax <= lmin)
			lmax = lmin + 1
		return
	}
	ymin = ymin_opt != "" ? ymin_opt + 0 : (dymin < 0 ? dymin : 0)
	ymax = ymax_opt != "" ? ymax_opt + 0 : dymax
	# Room above the tallest bar for its value.
	if (type == "bar" && ymax_opt == "")
		ymax = dymax * 1.08
	if (ymax <= ymin)
		ymax = ymin + 1
	ystep = nice_step(ymax - ymin, 5)
	ymin = floor_(ymin / ystep) * ystep
	if (ymax_opt == "")
		ymax = ceil_(ymax / ystep - 1e-9) * ystep
	if (ymax <= ymin)
		ymax = ymin + ystep
}

function x_scale() {
	if (type == "bar") {
		xmin = 0.5
		xmax = ncat + 0.5
		return
	}
	xmin = dxmin
	xmax = dxmax
	if (xmax <= xmin)
		xmax = xmin + 1
	xstep = nice_step(xmax - xmin, 6)
	# Whole numbers (cores, connections) get whole ticks.
	if (x_integers && xstep < 1)
		xstep = 1
	xmin = floor_(xmin / xstep + 1e-9) * xstep
	xmax = ceil_(xmax / xstep - 1e-9) * xstep
}

# ---- drawing ----

function text(x, y, s, extra) {
	printf "<text x=\"%.1f\" y=\"%.1f\"%s>%s</text>\n", x, y, extra, esc(s)
}

function draw_y_axis(    e, y) {
	if (logy) {
		for (e = lmin; e <= lmax; e++) {
			y = sy(10 ^ e)
			grid_line(PX0, y, PX1, y)
			text(PX0 - 6, y + 4, fmt(10 ^ e, e < 0 ? -e : 0),
			     " text-anchor=\"end\"")
		}
		return
	}
	linear_ticks(ymin, ymax, ystep, 1)
}

function draw_x_axis(    c) {
	if (type == "bar") {
		for (c = 1; c <= ncat; c++)
			text(sx(c), PY1 + 18, cname[c],
			     " text-anchor=\"middle\"")
		return
	}
	linear_ticks(xmin, xmax, xstep, 0)
}

# A grid line and a label at every STEP from LO to HI, along the y axis
# (IS_Y) or the x axis.
function linear_ticks(lo, hi, step, is_y,    v, d, p) {
	d = decimals(step)
	for (v = lo; v <= hi + step / 1000; v += step) {
		if (is_y) {
			p = sy(v)
			grid_line(PX0, p, PX1, p)
			text(PX0 - 6, p + 4, fmt(v, d), " text-anchor=\"end\"")
		} else {
			p = sx(v)
			grid_line(p, PY0, p, PY1)
			text(p, PY1 + 18, fmt(v, d), " text-anchor=\"middle\"")
		}
	}
}

function grid_line(x1, y1, x2, y2) {
	printf "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" " \
	       "stroke=\"#dddddd\" stroke-width=\"1\"/>\n", x1, y1, x2, y2
}

function draw_lines(    s, k, pts, c) {
	for (s = 1; s <= nseries; s++) {
		c = colour_of(sname[s])
		sort_points(s)
		pts = ""
		for (k = 1; k <= scount[s]; k++)
			pts = pts sprintf("%.1f,%.1f ", sx(px[s, k]),
					  sy(py[s, k]))
		printf "<g class=\"series\" data-name=\"%s\">\n", esc(sname[s])
		printf "<polyline fill=\"none\" stroke=\"%s\"%s " \
		       "stroke-width=\"2\" points=\"%s\"/>\n", c,
		       dash_of(sname[s]), pts
		if (scount[s] <= 60 && sname[s] != reference)
			for (k = 1; k <= scount[s]; k++)
				printf "<circle cx=\"%.1f\" cy=\"%.1f\" " \
				       "r=\"3\" fill=\"%s\"/>\n",
				       sx(px[s, k]), sy(py[s, k]), c
		print "</g>"
	}
}

# Insertion sort by x: a line joins its points left to right.
function sort_points(s,    i, j, tx, ty) {
	for (i = 2; i <= scount[s]; i++) {
		tx = px[s, i]; ty = py[s, i]
		for (j = i - 1; j >= 1 && px[s, j] > tx; j--) {
			px[s, j + 1] = px[s, j]
			py[s, j + 1] = py[s, j]
		}
		px[s, j + 1] = tx; py[s, j + 1] = ty
	}
}

# The value written above a bar: whole numbers without decimals.
function bar_label(v, d) {
	return v == int(v) ? fmt(v, 0) : fmt(v, d)
}

function draw_bars(    s, k, c, slot, bw, x, y, base, d) {
	slot = (PX1 - PX0) / ncat
	bw = slot * 0.8 / nseries
	base = logy ? PY1 : sy(ymin < 0 ? 0 : ymin)
	d = logy ? 2 : decimals(ystep / 10)
	for (s = 1; s <= nseries; s++) {
		c = colour_of(sname[s])
		printf "<g class=\"series\" data-name=\"%s\">\n", esc(sname[s])
		for (k = 1; k <= scount[s]; k++) {
			x = PX0 + (px[s, k] - 1) * slot + slot * 0.1 + \
			    (s - 1) * bw
			y = sy(py[s, k])
			# The exact value as a tooltip, then above the bar
			# (written upwards where bars are narrow).
			printf "<rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" " \
			       "height=\"%.1f\" fill=\"%s\"><title>%s, %s: " \
			       "%s</title></rect>\n", x,
			       (y < base ? y : base), bw - 2,
			       (y < base ? base - y : y - base), c,
			       esc(sname[s]), esc(cname[px[s, k]]),
			       bar_label(py[s, k], d)
			if (bw >= 24)
				text(x + (bw - 2) / 2, (y < base ? y : base) - 4,
				     bar_label(py[s, k], d),
				     " text-anchor=\"middle\" font-size=\"10\"")
			else
				printf "<text transform=\"translate(%.1f,%.1f) " \
				       "rotate(-90)\" font-size=\"9\">%s</text>\n",
				       x + bw / 2 + 2, (y < base ? y : base) - 3,
				       bar_label(py[s, k], d)
		}
		print "</g>"
	}
}

# Bars at least 12 px wide: many series and categories widen the plot.
function bar_width(    need) {
	if (type != "bar")
		return
	need = ncat * nseries * 14 / 0.8
	if (need > PX1 - PX0) {
		PX1 = PX0 + need
		W = PX1 + 200
	}
}

# The legend sits right of the plot; long series names widen the figure
# rather than run off its edge (about 7 px a character at 12 px).
function legend_width(    s, w) {
	w = 0
	for (s = 1; s <= nseries; s++)
		if (length(sname[s]) > w)
			w = length(sname[s])
	w = w * 7 + 50
	if (w > W - PX1)
		W = PX1 + w
}

function draw_legend(    s, y, c) {
	print "<g class=\"legend\">"
	for (s = 1; s <= nseries; s++) {
		y = PY0 + 8 + (s - 1) * 20
		c = colour_of(sname[s])
		if (type == "bar")
			printf "<rect x=\"%d\" y=\"%.1f\" width=\"14\" " \
			       "height=\"10\" fill=\"%s\"/>\n", PX1 + 16,
			       y - 5, c
		else
			printf "<line x1=\"%d\" y1=\"%.1f\" x2=\"%d\" " \
			       "y2=\"%.1f\" stroke=\"%s\"%s " \
			       "stroke-width=\"2\"/>\n", PX1 + 10, y, PX1 + 32,
			       y, c, dash_of(sname[s])
		text(PX1 + 38, y + 4, sname[s], "")
	}
	print "</g>"
}

END {
	if (failed)
		exit 1
	if (npoints == 0) {
		print "svgplot: no data points to plot" > "/dev/stderr"
		exit 1
	}
	find_ranges()
	x_scale()
	y_scale()
	bar_width()
	legend_width()
	print "<?xml version=\"1.0\" encoding=\"UTF-8\"?>"
	printf "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" " \
	       "height=\"%d\" viewBox=\"0 0 %d %d\" " \
	       "font-family=\"sans-serif\" font-size=\"12\">\n", W, H, W, H
	printf "<title>%s</title>\n", esc(title)
	printf "<rect width=\"%d\" height=\"%d\" fill=\"white\"/>\n", W, H
	text(W / 2, 26, title, " text-anchor=\"middle\" font-size=\"16\" " \
	     "font-weight=\"bold\"")
	if (note != "")
		text(W / 2, 46, note, " text-anchor=\"middle\" " \
		     "font-size=\"11\" fill=\"#555555\"")
	draw_y_axis()
	draw_x_axis()
	if (type == "bar")
		draw_bars()
	else
		draw_lines()
	printf "<rect x=\"%d\" y=\"%d\" width=\"%d\" height=\"%d\" " \
	       "fill=\"none\" stroke=\"#333333\"/>\n", PX0, PY0, PX1 - PX0,
	       PY1 - PY0
	draw_legend()
	text((PX0 + PX1) / 2, H - 18, xlabel, " text-anchor=\"middle\"")
	printf "<text transform=\"translate(20,%.1f) rotate(-90)\" " \
	       "text-anchor=\"middle\">%s</text>\n", (PY0 + PY1) / 2,
	       esc(ylabel)
	print "</svg>"
}
