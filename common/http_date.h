/*
 * http_date.h - HTTP dates: the Date header, Last-Modified and
 * If-Modified-Since (http_date.c).
 */
#ifndef KIT_HTTP_DATE_H
#define KIT_HTTP_DATE_H

#include <stddef.h>

/* The current time as an IMF-fixdate ("Sun, 06 Nov 1994 08:49:37 GMT"),
 * formatted at most once a second per thread. */
const char *http_date_now(void);
/* Format t as an IMF-fixdate into out[30]. */
void http_date_format(long long t, char out[30]);
/* Parse an IMF-fixdate (and RFC 850 / asctime forms); -1 if invalid. */
long long http_date_parse(const char *s, size_t len);

#endif
