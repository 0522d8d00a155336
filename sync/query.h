/*
 * query: what tracers, patrols and admins ask the collector, shared by
 * its command line and its HTTP API so both give the same answers and
 * both write the audit log (docs/trace.md): traces (audited), receipt
 * checks, the audit log and the store's statistics, each with its
 * writer. The ward report is report.h.
 */
#ifndef KIOSK_QUERY_H
#define KIOSK_QUERY_H

#include <stdint.h>
#include <stdio.h>

#include "db.h"
#include "trace.h"

/*
 * query_trace(d, o, who, r):
 * Run a trace into *R and write it to the audit log as WHO (e.g.
 * "cli:alice", "http:tracer:1a2b3c4d@10.0.0.5"). Returns 0, or -1 when
 * the store failed or the audit could not be written (nothing is then
 * given out: a trace nobody can account for is refused).
 * query_trace_on(read, d, o, who, r): the same, read from READ (a
 * standby, db_open_reader) and audited in D (the primary, always).
 */
int query_trace_on(struct db *read, struct db *d, const struct trace_opts *o,
    const char *who, struct trace_result *r);
int query_trace(struct db *d, const struct trace_opts *o, const char *who,
    struct trace_result *r);

/*
 * query_refused(d, who, action, why):
 * Audit a request that was refused (a patrol token asking for a trace).
 */
void query_refused(struct db *d, const char *who, const char *action,
    const char *why);

struct receipt_check {
	int valid;
	char reason[96];		/* why not, when not valid */
	char device[KEYS_ID_LEN + 1];	/* "" when not known */
	char venue_id[65], venue[129];
	char *receipt;			/* the receipt's own JSON; owned */
};

/*
 * query_receipt(d, text, out):
 * Check a patrol receipt (KR1.) against the enrolled key of the device it
 * names, into *OUT (release with query_receipt_release). Returns 0, or -1
 * on a store failure.
 */
int query_receipt(struct db *d, const char *text, struct receipt_check *out);
void query_receipt_release(struct receipt_check *c);

/* query_receipt_print(f, c): C as one line of JSON. 0 or -1. */
int query_receipt_print(FILE *f, const struct receipt_check *c);

/*
 * query_report_audited(d, who, r): a ward report R was given to WHO:
 * written to the audit log (ward, day, venues). Returns 0 or -1.
 */
struct report;
int query_report_audited(struct db *d, const char *who,
    const struct report *r);

/* What of the audit log to show (NULL, 0: no limit). */
struct audit_filter {
	const char *who;		/* a part of who asked */
	const char *subject;		/* the case traced, KIND:ID */
	const char *action;		/* trace, report, revoke, ... exactly */
	int64_t from_ms, to_ms;		/* from <= at < to */
};

/* audit_wanted(a, flt): 1 when entry A passes FLT, else 0. */
int audit_wanted(const struct db_audit *a, const struct audit_filter *flt);

/*
 * query_audit_print(f, a, n, format): the log as a table for people (local
 * time; who, what, the case, the reason and how many answers, then the
 * rest), as CSV (the same columns and the time in UTC too; spreadsheet-
 * safe) or JSON (every field, "at" as ISO 8601 beside "at_ms").
 */
int query_audit_print(FILE *f, const struct db_audit *a, size_t n,
    const char *format);

/*
 * query_devices_print(f, v, n): the devices V as one line of JSON
 * {"devices":[{"device_id","venue_id","venue_name","address","ward",
 * "enrolled_ms","last_heartbeat_ms","last_upload_ms","revoked_ms"}]}
 * (times 0: never). 0 or -1.
 */
int query_devices_print(FILE *f, const struct db_venue_status *v, size_t n);

/* query_stats_print(f, s, json): counts for a person, or JSON. */
int query_stats_print(FILE *f, const struct db_stats *s, int json);

#endif
