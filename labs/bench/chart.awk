# labs/bench/chart.awk - a grouped bar chart in SVG from bench.csv.
#
# What it teaches: a chart is a few dozen lines of arithmetic; no plotting
# package is needed to show a result. One group of bars per scenario, one
# bar (and one colour) per server, a y axis with round ticks, and a
# tooltip (<title>) on each bar with the exact value. When the CSV holds
# several rounds (several rows for one server and scenario), the bar is
# their median, as in the table.
#
#   awk -F, -v value=req_per_s -v unit=requests/s -v title=... \
#       -v subtitle=... -f chart.awk bench.csv > bench.svg
#
# The CSV needs a header with the columns server, scenario and `value`.

function nice_step(max,    raw, mag, f) {
	raw = max / 5
	mag = 1
	while (mag * 10 <= raw) mag *= 10
	while (mag > raw) mag /= 10
	f = raw / mag
	if (f <= 1) return mag
	if (f <= 2) return 2 * mag
	if (f <= 5) return 5 * mag
	return 10 * mag
}

function short(v) {
	if (v >= 1e6) return sprintf("%.3gM", v / 1e6)
	if (v >= 1e3) return sprintf("%.3gk", v / 1e3)
	return sprintf("%.3g", v)
}

# The median of the values a key collected, sorting them in place.
function median(key,    m, i, j, t, v) {
	m = nval[key]
	for (i = 1; i <= m; i++)
		v[i] = all[key, i]
	for (i = 2; i <= m; i++)
		for (j = i; j > 1 && v[j - 1] > v[j]; j--) {
			t = v[j]; v[j] = v[j - 1]; v[j - 1] = t
		}
	return m % 2 ? v[(m + 1) / 2] : (v[m / 2] + v[m / 2 + 1]) / 2
}

function esc(s) {
	gsub(/&/, "\\&amp;", s)
	gsub(/</, "\\&lt;", s)
	gsub(/>/, "\\&gt;", s)
	return s
}

NR == 1 {
	for (i = 1; i <= NF; i++)
		col[$i] = i
	if (!("server" in col) || !("scenario" in col) || !(value in col)) {
		print "chart.awk: the CSV needs columns server, scenario and " value > "/dev/stderr"
		exit 1
	}
	next
}

{
	s = $col["server"]; g = $col["scenario"]; v = $col[value] + 0
	if (!(s in sidx)) { nseries++; sidx[s] = nseries; series[nseries] = s }
	if (!(g in gidx)) { ngroups++; gidx[g] = ngroups; group[ngroups] = g }
	key = sidx[s] SUBSEP gidx[g]
	all[key, ++nval[key]] = v
	has[sidx[s], gidx[g]] = 1
}

END {
	if (nseries == 0) exit 1
	for (key in nval) {
		val[key] = median(key)
		if (val[key] > max) max = val[key]
	}
	split("#4e79a7 #f28e2b #59a14f #e15759 #76b7b2 #edc948 #b07aa1 #ff9da7 #9c755f", colour, " ")
	# Bars 16 px or wider: the chart is at least 640 px wide and the
	# groups share the width.
	gap = 28; left = 80; right = 20; top = 70; plot_h = 260
	width = left + ngroups * (nseries * 16 + gap) + right
	if (width < 640) width = 640
	group_w = (width - left - right) / ngroups
	bar = int((group_w - gap) / nseries)
	if (bar > 48) bar = 48
	legend_rows = int((nseries + 3) / 4)
	height = top + plot_h + 50 + legend_rows * 20
	if (max <= 0) max = 1
	max *= 1.15 # room for the labels above the bars
	step = nice_step(max)
	ymax = step * int(max / step)
	if (ymax < max) ymax += step

	printf "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%d\" viewBox=\"0 0 %d %d\" font-family=\"sans-serif\" font-size=\"12\">\n", width, height, width, height
	printf "<rect width=\"%d\" height=\"%d\" fill=\"white\"/>\n", width, height
	printf "<text x=\"%d\" y=\"22\" font-size=\"15\" font-weight=\"bold\">%s</text>\n", left, esc(title)
	printf "<text x=\"%d\" y=\"40\" fill=\"#555\">%s</text>\n", left, esc(subtitle)

	# y axis: grid lines and round ticks
	printf "<g stroke=\"#ddd\">\n"
	for (t = 0; t <= ymax + step / 2; t += step) {
		y = top + plot_h - plot_h * t / ymax
		printf "<line x1=\"%d\" y1=\"%.1f\" x2=\"%d\" y2=\"%.1f\"/>\n", left, y, width - right, y
	}
	printf "</g>\n<g text-anchor=\"end\" fill=\"#333\">\n"
	for (t = 0; t <= ymax + step / 2; t += step) {
		y = top + plot_h - plot_h * t / ymax
		printf "<text x=\"%d\" y=\"%.1f\">%s</text>\n", left - 6, y + 4, short(t)
	}
	printf "</g>\n"
	printf "<text transform=\"translate(18,%d) rotate(-90)\" text-anchor=\"middle\" fill=\"#333\">%s</text>\n", top + plot_h / 2, esc(unit)

	# one series (a <g> with a colour) per server
	for (si = 1; si <= nseries; si++) {
		printf "<g class=\"series\" data-server=\"%s\" fill=\"%s\">\n", esc(series[si]), colour[(si - 1) % 9 + 1]
		for (gi = 1; gi <= ngroups; gi++) {
			if (!has[si, gi]) continue
			v = val[si, gi]
			h = plot_h * v / ymax
			x = left + (gi - 1) * group_w + (group_w - nseries * bar) / 2 + (si - 1) * bar
			printf "<rect x=\"%d\" y=\"%.1f\" width=\"%d\" height=\"%.1f\"><title>%s, %s: %s %s</title></rect>\n", x, top + plot_h - h, bar - 2, h, esc(series[si]), esc(group[gi]), sprintf("%.0f", v), esc(unit)
			labx[si, gi] = x + bar / 2 + 3; laby[si, gi] = top + plot_h - h - 4
		}
		printf "</g>\n"
	}

	# each bar's value above it, written upwards (a zero must show too)
	printf "<g font-size=\"9\" fill=\"#333\">\n"
	for (si = 1; si <= nseries; si++)
		for (gi = 1; gi <= ngroups; gi++)
			if (has[si, gi])
				printf "<text transform=\"translate(%d,%.1f) rotate(-90)\">%s</text>\n", labx[si, gi], laby[si, gi], short(val[si, gi])
	printf "</g>\n"

	# x axis and the scenario names
	printf "<line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\" stroke=\"#333\"/>\n", left, top + plot_h, width - right, top + plot_h
	printf "<g text-anchor=\"middle\" fill=\"#333\">\n"
	for (gi = 1; gi <= ngroups; gi++)
		printf "<text x=\"%d\" y=\"%d\">%s</text>\n", left + (gi - 1) * group_w + group_w / 2, top + plot_h + 18, esc(group[gi])
	printf "</g>\n"

	# legend
	printf "<g class=\"legend\">\n"
	for (si = 1; si <= nseries; si++) {
		lx = left + ((si - 1) % 4) * 140
		ly = top + plot_h + 40 + int((si - 1) / 4) * 20
		printf "<rect x=\"%d\" y=\"%d\" width=\"12\" height=\"12\" fill=\"%s\"/>\n", lx, ly - 10, colour[(si - 1) % 9 + 1]
		printf "<text x=\"%d\" y=\"%d\">%s</text>\n", lx + 18, ly, esc(series[si])
	}
	printf "</g>\n</svg>\n"
}
