/*
 * histogram.c - a log-linear latency histogram with a bounded error.
 *
 * What it teaches: keeping every latency sample costs memory in proportion
 * to the run; a fixed array of buckets costs 36 KiB whatever the run. The
 * trick (HdrHistogram's) is to make bucket width grow with the value: below
 * 128 ns one bucket per nanosecond, then each power of two [2^e, 2^(e+1))
 * cut into 128 equal buckets. A bucket's width is then at most 1/128 of
 * its lower bound, so reporting its middle is off by at most 1/256 (0.4%)
 * from any value that fell in it, whether the value is 50 us or 5 s.
 * Merging two histograms is adding arrays, so each thread keeps its own
 * and nobody locks.
 */
#include "loadgen.h"

#define SUB_COUNT (1ULL << HIST_SUB_BITS)

static unsigned top_bit(uint64_t v)
{
	return 63u - (unsigned)__builtin_clzll(v);
}

static size_t bucket_of(uint64_t v)
{
	unsigned shift;

	if (v < SUB_COUNT)
		return (size_t)v;
	if (v >= (1ULL << HIST_MAX_BITS))
		v = (1ULL << HIST_MAX_BITS) - 1;
	shift = top_bit(v) - HIST_SUB_BITS;
	/* Row shift+1 holds [2^(shift+SUB_BITS), 2^(shift+SUB_BITS+1)). */
	return ((size_t)(shift + 1) << HIST_SUB_BITS) +
	       (size_t)((v >> shift) - SUB_COUNT);
}

/* The middle of bucket i: the value reported for every sample in it. */
static uint64_t bucket_middle(size_t i)
{
	unsigned shift;
	uint64_t low;

	if (i < 2 * SUB_COUNT)
		return i; /* rows 0 and 1 are one nanosecond wide */
	shift = (unsigned)(i >> HIST_SUB_BITS) - 1;
	low = ((i & (SUB_COUNT - 1)) + SUB_COUNT) << shift;
	return low + ((1ULL << shift) - 1) / 2;
}

void hist_record(struct histogram *h, uint64_t ns)
{
	h->buckets[bucket_of(ns)]++;
	h->count++;
	h->sum += (double)ns;
	if (ns > h->max)
		h->max = ns;
}

void hist_merge(struct histogram *into, const struct histogram *from)
{
	size_t i;

	for (i = 0; i < HIST_BUCKETS; i++)
		into->buckets[i] += from->buckets[i];
	into->count += from->count;
	into->sum += from->sum;
	if (from->max > into->max)
		into->max = from->max;
}

uint64_t hist_percentile(const struct histogram *h, double pct)
{
	uint64_t rank, seen = 0;
	size_t i;

	if (h->count == 0)
		return 0;
	/* The smallest value with at least pct% of the samples at or below
	 * it: rank = ceil(count * pct / 100), at least 1. */
	rank = (uint64_t)((double)h->count * pct / 100.0);
	if ((double)rank < (double)h->count * pct / 100.0)
		rank++;
	if (rank < 1)
		rank = 1;
	for (i = 0; i < HIST_BUCKETS; i++) {
		seen += h->buckets[i];
		if (seen >= rank) {
			uint64_t v = bucket_middle(i);

			/* The exact maximum is known: never report above it. */
			return v < h->max ? v : h->max;
		}
	}
	return h->max;
}

double hist_mean(const struct histogram *h)
{
	return h->count ? h->sum / (double)h->count : 0.0;
}
