/*
 * http_date.c - HTTP dates (RFC 9110 5.6.7): formatting and parsing.
 *
 * What it teaches: a date on the wire is text in one fixed English format
 * (IMF-fixdate, "Sun, 06 Nov 1994 08:49:37 GMT"), and a server must also
 * read two obsolete ones (RFC 850, asctime) in If-Modified-Since. Names come
 * from our own tables, not strftime's locale. The Date header is formatted
 * at most once a second per thread (a __thread cache): at thousands of
 * requests a second, gmtime and snprintf for every response show up in a
 * profile, and a per-thread cache needs no lock.
 *
 * Used by response.c (Date) and static_files.c (Last-Modified,
 * If-Modified-Since). Unit tests: tests/unit/test_static.c; fuzzed by
 * tests/fuzz/fuzz_static.c.
 */
#include "http_date.h"

#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

static const char day_names[7][4] = {
	"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"
};
static const char month_names[12][4] = {
	"Jan", "Feb", "Mar", "Apr", "May", "Jun",
	"Jul", "Aug", "Sep", "Oct", "Nov", "Dec"
};

void http_date_format(long long t, char out[30])
{
	struct tm tm;
	time_t tt = (time_t)t;

	/* Names from our own tables: strftime's %a and %b follow the locale,
	 * and HTTP dates are always English. Years beyond 4 digits do not fit
	 * the format, so such times (and gmtime failures) become the epoch. */
	if (gmtime_r(&tt, &tm) == NULL || tm.tm_year < -1900 ||
	    tm.tm_year > 9999 - 1900) {
		tt = 0;
		gmtime_r(&tt, &tm);
	}
	snprintf(out, 30, "%s, %02d %s %04d %02d:%02d:%02d GMT",
		 day_names[tm.tm_wday % 7], tm.tm_mday % 100,
		 month_names[tm.tm_mon % 12], (tm.tm_year + 1900) % 10000,
		 tm.tm_hour % 100, tm.tm_min % 100, tm.tm_sec % 100);
}

const char *http_date_now(void)
{
	static __thread time_t cached_second = -1;
	static __thread char cached[30];
	time_t now = time(NULL);

	if (now != cached_second) {
		http_date_format((long long)now, cached);
		cached_second = now;
	}
	return cached;
}

/* A cursor over the date being parsed; every step checks the bounds. */
struct date_cursor {
	const char *p;
	const char *end;
	bool ok;
};

static void expect_text(struct date_cursor *d, const char *text)
{
	size_t n = strlen(text);

	if (!d->ok || (size_t)(d->end - d->p) < n || memcmp(d->p, text, n))
		d->ok = false;
	else
		d->p += n;
}

/* Exactly digits decimal digits (at most 4, so no overflow). */
static int expect_digits(struct date_cursor *d, int digits)
{
	int value = 0;

	if (!d->ok || d->end - d->p < digits) {
		d->ok = false;
		return 0;
	}
	for (int i = 0; i < digits; i++, d->p++) {
		if (*d->p < '0' || *d->p > '9') {
			d->ok = false;
			return 0;
		}
		value = value * 10 + (*d->p - '0');
	}
	return value;
}

static int expect_month(struct date_cursor *d)
{
	for (int m = 0; m < 12; m++) {
		if (d->ok && d->end - d->p >= 3 &&
		    memcmp(d->p, month_names[m], 3) == 0) {
			d->p += 3;
			return m;
		}
	}
	d->ok = false;
	return 0;
}

/* Day names: "Sun" (IMF-fixdate, asctime) or "Sunday" (RFC 850). */
static void expect_day_name(struct date_cursor *d, bool long_form)
{
	static const char *const long_names[7] = {
		"Sunday", "Monday", "Tuesday", "Wednesday", "Thursday",
		"Friday", "Saturday"
	};

	for (int i = 0; i < 7; i++) {
		const char *name = long_form ? long_names[i] : day_names[i];
		size_t n = strlen(name);

		if (d->ok && (size_t)(d->end - d->p) >= n &&
		    memcmp(d->p, name, n) == 0) {
			d->p += n;
			return;
		}
	}
	d->ok = false;
}

static void expect_time(struct date_cursor *d, struct tm *tm)
{
	tm->tm_hour = expect_digits(d, 2);
	expect_text(d, ":");
	tm->tm_min = expect_digits(d, 2);
	expect_text(d, ":");
	tm->tm_sec = expect_digits(d, 2);
}

/* RFC 850's two-digit year: a year that looks more than 50 years in the
 * future is the most recent past year with those digits (RFC 9110). */
static int full_year(int two_digits)
{
	time_t now = time(NULL);
	struct tm tm;
	int this_year = 2000, year;

	if (gmtime_r(&now, &tm) != NULL)
		this_year = tm.tm_year + 1900;
	year = this_year - this_year % 100 + two_digits;
	if (year > this_year + 50)
		year -= 100;
	return year;
}

static bool valid_date(const struct tm *tm, int year)
{
	static const int days[12] = { 31, 29, 31, 30, 31, 30, 31, 31, 30, 31,
				      30, 31 };
	bool leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
	int max_day = days[tm->tm_mon] - (tm->tm_mon == 1 && !leap);

	return tm->tm_mday >= 1 && tm->tm_mday <= max_day &&
	       tm->tm_hour <= 23 && tm->tm_min <= 59 && tm->tm_sec <= 60;
}

long long http_date_parse(const char *s, size_t len)
{
	struct date_cursor d = { s, s + len, s != NULL };
	struct tm tm;
	int year;

	memset(&tm, 0, sizeof(tm));
	if (len > 3 && s[3] == ',') {
		/* IMF-fixdate: Sun, 06 Nov 1994 08:49:37 GMT */
		expect_day_name(&d, false);
		expect_text(&d, ", ");
		tm.tm_mday = expect_digits(&d, 2);
		expect_text(&d, " ");
		tm.tm_mon = expect_month(&d);
		expect_text(&d, " ");
		year = expect_digits(&d, 4);
		expect_text(&d, " ");
		expect_time(&d, &tm);
		expect_text(&d, " GMT");
	} else if (len > 3 && s[3] == ' ') {
		/* asctime: Sun Nov  6 08:49:37 1994 */
		expect_day_name(&d, false);
		expect_text(&d, " ");
		tm.tm_mon = expect_month(&d);
		expect_text(&d, " ");
		if (d.ok && d.p < d.end && *d.p == ' ') {
			d.p++;
			tm.tm_mday = expect_digits(&d, 1);
		} else {
			tm.tm_mday = expect_digits(&d, 2);
		}
		expect_text(&d, " ");
		expect_time(&d, &tm);
		expect_text(&d, " ");
		year = expect_digits(&d, 4);
	} else {
		/* RFC 850: Sunday, 06-Nov-94 08:49:37 GMT */
		expect_day_name(&d, true);
		expect_text(&d, ", ");
		tm.tm_mday = expect_digits(&d, 2);
		expect_text(&d, "-");
		tm.tm_mon = expect_month(&d);
		expect_text(&d, "-");
		year = full_year(expect_digits(&d, 2));
		expect_text(&d, " ");
		expect_time(&d, &tm);
		expect_text(&d, " GMT");
	}
	if (!d.ok || d.p != d.end || !valid_date(&tm, year))
		return -1;
	tm.tm_year = year - 1900;
	return (long long)timegm(&tm);
}
