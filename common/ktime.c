/*
 * ktime: clocks and time text. See ktime.h.
 */
#include "ktime.h"

#include "parsenum.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <sodium.h>

int64_t
ktime_wall_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int64_t
ktime_mono_ms(void)
{
	struct timespec ts;

	if (clock_gettime(CLOCK_BOOTTIME, &ts) != 0)
		clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int
ktime_boot_id(char *buf, size_t size)
{
	static char id[40];
	FILE *f;
	size_t n;

	if (size < 37)
		return -1;
	if (id[0] == '\0') {
		f = fopen("/proc/sys/kernel/random/boot_id", "r");
		n = 0;
		if (f != NULL) {
			n = fread(id, 1, 36, f);
			fclose(f);
		}
		if (n != 36) {
			unsigned char r[16];
			size_t i;

			randombytes_buf(r, sizeof(r));
			for (i = 0; i < 16; i++)
				snprintf(id + 2 * i, 3, "%02x", r[i]);
			memset(id + 32, 'x', 4);
		}
		id[36] = '\0';
	}
	memcpy(buf, id, 37);
	return 0;
}

/* Read exactly N digits from *P into *OUT. */
static int
digits(const char **p, int n, int *out)
{
	int v = 0;

	while (n-- > 0) {
		if (!isdigit((unsigned char)**p))
			return -1;
		v = v * 10 + (**p - '0');
		(*p)++;
	}
	*out = v;
	return 0;
}

int
ktime_parse(const char *text, int64_t *out_ms)
{
	const char *p = text;
	struct tm tm;
	int y, mo, d, h = 0, mi = 0, s = 0, zone = 0, zh, zm;
	time_t t;
	int64_t secs;

	if (text == NULL || *text == '\0')
		return -1;

	/* Plain Unix seconds, up to the end of year 9999. */
	if (parsenum(text, 0, KTIME_MAX_SECONDS, &secs) == 0) {
		*out_ms = secs * 1000;
		return 0;
	}

	if (digits(&p, 4, &y) || *p++ != '-' || digits(&p, 2, &mo) ||
	    *p++ != '-' || digits(&p, 2, &d))
		return -1;
	if (*p == 'T' || *p == ' ') {
		p++;
		if (digits(&p, 2, &h) || *p++ != ':' || digits(&p, 2, &mi))
			return -1;
		if (*p == ':') {
			p++;
			if (digits(&p, 2, &s))
				return -1;
		}
		if (*p == 'Z') {
			zone = 1;
			zh = zm = 0;
			p++;
		} else if (*p == '+' || *p == '-') {
			int sign = *p++ == '-' ? -1 : 1;

			if (digits(&p, 2, &zh))
				return -1;
			if (*p == ':')
				p++;
			if (digits(&p, 2, &zm))
				return -1;
			zh *= sign;
			zm *= sign;
			zone = 1;
		}
	}
	if (*p != '\0' || mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 ||
	    mi > 59 || s > 60)
		return -1;

	memset(&tm, 0, sizeof(tm));
	tm.tm_year = y - 1900;
	tm.tm_mon = mo - 1;
	tm.tm_mday = d;
	tm.tm_hour = h;
	tm.tm_min = mi;
	tm.tm_sec = s;
	if (zone) {
		t = timegm(&tm);
		t -= (time_t)zh * 3600 + (time_t)zm * 60;
	} else {
		tm.tm_isdst = -1;
		t = mktime(&tm);
	}
	if (t == (time_t)-1)
		return -1;
	/* Refuse dates that normalised into another day (2026-02-31). */
	if (tm.tm_mday != d || tm.tm_mon != mo - 1)
		return -1;
	*out_ms = (int64_t)t * 1000;
	return 0;
}

int
ktime_format(int64_t ms, char *buf, size_t size)
{
	time_t t = (time_t)(ms / 1000);
	struct tm tm;
	char date[32];
	long off;
	int n;

	if (localtime_r(&t, &tm) == NULL)
		return -1;
	if (strftime(date, sizeof(date), "%Y-%m-%dT%H:%M:%S", &tm) == 0)
		return -1;
	off = tm.tm_gmtoff / 60;
	n = snprintf(buf, size, "%s%c%02ld:%02ld", date, off < 0 ? '-' : '+',
	    labs(off) / 60, labs(off) % 60);
	if (n < 0 || (size_t)n >= size)
		return -1;
	return 0;
}

void
ktime_local_day(int64_t ms, int *out_y, int *out_m, int *out_d)
{
	time_t t = (time_t)(ms / 1000);
	struct tm tm;

	localtime_r(&t, &tm);
	*out_y = tm.tm_year + 1900;
	*out_m = tm.tm_mon + 1;
	*out_d = tm.tm_mday;
}

int64_t
ktime_day_start(int64_t ms)
{
	time_t t = (time_t)(ms / 1000);
	struct tm tm;

	localtime_r(&t, &tm);
	tm.tm_hour = tm.tm_min = tm.tm_sec = 0;
	tm.tm_isdst = -1;
	return (int64_t)mktime(&tm) * 1000;
}
