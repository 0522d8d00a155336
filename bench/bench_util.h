/*
 * bench_util: what the benches share: a monotonic clock in seconds and a
 * comparator for medians. Header-only.
 */
#ifndef KIOSK_BENCH_UTIL_H
#define KIOSK_BENCH_UTIL_H

#include <time.h>

/* Seconds on the monotonic clock, for differences. */
static inline double
now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* qsort's comparator for doubles, ascending. */
static inline int
cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

#endif
