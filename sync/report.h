/*
 * report: the ward report (docs/trace.md): for each venue of a ward, its
 * last heartbeat and upload, its backlog, check-ins per day for a week,
 * the day's heartbeat gaps and the patrol inspections. Built from the
 * store as a plain struct, then written as a table, JSON or CSV.
 */
#ifndef KIOSK_REPORT_H
#define KIOSK_REPORT_H

#include <stdint.h>
#include <stdio.h>

#include "db.h"
#include "wire.h"

#define REPORT_SILENT_MIN 30	/* a venue silent this long is flagged */
#define REPORT_GAP_MIN 15	/* heartbeat gaps longer than this listed */
#define REPORT_DAYS 7

struct report_gap {
	int64_t from_ms, to_ms;
};

struct report_venue {
	struct wire_device dev;
	int64_t last_heartbeat_ms;	/* 0: never */
	int64_t last_upload_ms;		/* 0: never */
	int64_t backlog;		/* as the last heartbeat said; -1 */
	char hours[128];		/* opening hours its last heartbeat
					 * said (hours.h); "": always open */
	int open_now;			/* by those hours */
	int silent;			/* open now, and no heartbeat for
					 * longer than silent_after_min */
	int64_t day_ms[REPORT_DAYS];	/* the start of each day, oldest first */
	int64_t visits[REPORT_DAYS];	/* check-ins that day */
	struct report_gap *gaps;	/* owned */
	size_t n_gaps;
	int64_t inspections_24h;	/* as the last heartbeat said; -1 */
	int64_t last_inspection_ms;	/* 0: none */
	struct wire_inspection *on_day;	/* owned */
	size_t n_on_day;
};

/*
 * report_gaps(v, h, beats, n, from, to):
 * The heartbeat gaps in [FROM, TO) given the N heartbeat times BEATS
 * (ascending): stretches over REPORT_GAP_MIN with none, counted only in
 * opening hours H, appended to V's gaps. Returns 0 or -1.
 */
struct hours;
int report_gaps(struct report_venue *v, const struct hours *h,
    const int64_t *beats, size_t n, int64_t from, int64_t to);

struct report {
	char ward[129];
	int64_t day_ms;			/* the local day reported */
	int64_t generated_ms;
	int silent_after_min;
	int silent;			/* how many venues are silent */
	struct report_venue *v;		/* owned */
	size_t n;
	int read_known, read_standby;	/* as in struct trace_result */
	int64_t read_lag_ms;
};

/*
 * report_build(d, ward, day_ms, now_ms, silent_min, r):
 * The report for WARD on the local day holding DAY_MS, as of NOW_MS, into
 * *R (release with report_release). Returns 0, or -1 when the store
 * failed (*R is then empty).
 */
int report_build(struct db *d, const char *ward, int64_t day_ms,
    int64_t now_ms, int silent_min, struct report *r);

/* report_release(r): free R's venues. */
void report_release(struct report *r);

/* report_print(f, r, format): table, json or csv. 0 or -1. */
int report_print(FILE *f, const struct report *r, const char *format);

#endif
