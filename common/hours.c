/*
 * hours: a venue's opening hours. See hours.h.
 */
#include "hours.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

static const char *const day_names[7] = { "mon", "tue", "wed", "thu",
    "fri", "sat", "sun" };

#define WHY_FORMAT "want ranges like 07:00-22:00 (several with ',', per " \
    "weekday as \"mon-fri 07:00-22:00; sat,sun 08:00-23:00\")"

static void
set_open(struct hours *h, int day, int minute)
{
	h->open[day % 7][minute / 8] |= (unsigned char)(1u << (minute % 8));
}

static int
is_open(const struct hours *h, int day, int minute)
{
	return (h->open[day][minute / 8] >> (minute % 8)) & 1;
}

/* "HH:MM" at *P into minutes of the day (24:00 is 1440); -1. */
static int
clock_at(const char **p)
{
	const char *s = *p;
	int hh, mm;

	if (s[0] < '0' || s[0] > '9' || s[1] < '0' || s[1] > '9' ||
	    s[2] != ':' || s[3] < '0' || s[3] > '5' || s[4] < '0' ||
	    s[4] > '9')
		return -1;
	hh = (s[0] - '0') * 10 + (s[1] - '0');
	mm = (s[3] - '0') * 10 + (s[4] - '0');
	if (hh > 24 || (hh == 24 && mm != 0))
		return -1;
	*p = s + 5;
	return hh * 60 + mm;
}

/* A day name at *P: 0 Monday .. 6 Sunday; -1. */
static int
day_at(const char **p)
{
	int d;

	for (d = 0; d < 7; d++)
		if (strncmp(*p, day_names[d], 3) == 0) {
			*p += 3;
			return d;
		}
	return -1;
}

static const char *
skip(const char *p)
{
	while (*p == ' ')
		p++;
	return p;
}

/* One group "[DAYS ]RANGE[,RANGE...]" from *P (to ';' or the end). */
static int
group(const char **pp, struct hours *h, const char **why)
{
	const char *p = skip(*pp);
	unsigned char days[7] = { 0 };
	int any = 0, d, a, b, m;

	/* Days, if the group starts with a name. */
	while (*p >= 'a' && *p <= 'z') {
		int d0 = day_at(&p), d1 = d0;

		if (d0 < 0) {
			*why = "a day is mon, tue, wed, thu, fri, sat or sun";
			return -1;
		}
		if (*p == '-') {
			p++;
			if ((d1 = day_at(&p)) < 0) {
				*why = "a day range is like mon-fri";
				return -1;
			}
		}
		for (d = d0;; d = (d + 1) % 7) {
			days[d] = 1;
			if (d == d1)
				break;
		}
		any = 1;
		if (*p == ',' && p[1] >= 'a' && p[1] <= 'z')
			p++;
		else
			break;
	}
	if (!any)
		memset(days, 1, sizeof(days));
	p = skip(p);
	for (;;) {
		if ((a = clock_at(&p)) < 0 || *p++ != '-' ||
		    (b = clock_at(&p)) < 0 || a == 1440 || a == b) {
			*why = WHY_FORMAT;
			return -1;
		}
		for (d = 0; d < 7; d++) {
			if (!days[d])
				continue;
			if (b > a) {
				for (m = a; m < b; m++)
					set_open(h, d, m);
				continue;
			}
			/* Past midnight: the rest is the next day's. */
			for (m = a; m < 1440; m++)
				set_open(h, d, m);
			for (m = 0; m < b; m++)
				set_open(h, d + 1, m);
		}
		p = skip(p);
		if (*p != ',')
			break;
		p = skip(p + 1);
	}
	*pp = p;
	return 0;
}

int
hours_parse(const char *text, struct hours *h, const char **why)
{
	const char *p = skip(text);

	memset(h, 0, sizeof(*h));
	if (*p == '\0') {
		h->always = 1;
		return 0;
	}
	if (strlen(text) > HOURS_TEXT_MAX) {
		*why = "at most 127 characters";
		return -1;
	}
	for (;;) {
		if (group(&p, h, why) != 0)
			return -1;
		p = skip(p);
		if (*p == '\0')
			return 0;
		if (*p != ';') {
			*why = WHY_FORMAT;
			return -1;
		}
		p++;
	}
}

/* MS's weekday (0 Monday) and minute of the day, at the venue. */
static void
local_at(const struct hours *h, int64_t ms, int *day, int *minute)
{
	time_t t = (time_t)(ms / 1000);
	struct tm tm;

	if (h->have_offset) {
		t += (time_t)h->offset_min * 60;
		gmtime_r(&t, &tm);
	} else {
		localtime_r(&t, &tm);
	}
	*day = (tm.tm_wday + 6) % 7;
	*minute = tm.tm_hour * 60 + tm.tm_min;
}

int
hours_open_at(const struct hours *h, int64_t ms)
{
	int day, minute;

	if (h->always)
		return 1;
	local_at(h, ms, &day, &minute);
	return is_open(h, day, minute);
}

int64_t
hours_open_ms(const struct hours *h, int64_t from, int64_t to)
{
	int64_t t, open = 0;

	if (to <= from)
		return 0;
	if (h->always)
		return to - from;
	/* Minute by minute: a report's day is 1440 of them. */
	for (t = from; t < to; t = (t / 60000 + 1) * 60000) {
		int64_t end = (t / 60000 + 1) * 60000;

		if (hours_open_at(h, t))
			open += (end < to ? end : to) - t;
	}
	return open;
}
