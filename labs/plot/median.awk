# median.awk - the kit's one median, for awk programs that need one (the
# tables, ratios and chart of make bench: labs/bench/report.sh).
#
# What it teaches: the median of a few runs is what one bad run (a cron
# job, a CPU clock change) cannot move, where the mean follows it.
#
# median(v, m): the median of v[1..m] (numbers), sorting v in place by
# insertion, which is the simplest sort and plenty for a handful of runs.
# Use it by putting this file before the program's own text:
#   awk "$(cat labs/plot/median.awk)"' ... median(v, n) ...' FILE
function median(v, m,    i, j, t) {
	for (i = 2; i <= m; i++)
		for (j = i; j > 1 && v[j - 1] > v[j]; j--) {
			t = v[j]; v[j] = v[j - 1]; v[j - 1] = t
		}
	return m % 2 ? v[(m + 1) / 2] : (v[m / 2] + v[m / 2 + 1]) / 2
}
