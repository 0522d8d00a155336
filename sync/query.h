/*
 * query: what tracers and patrols ask the collector, shared by its
 * command line and its HTTP API so both give the same answers and both
 * write the audit log (docs/trace.md).
 */
#ifndef KIOSK_QUERY_H
#define KIOSK_QUERY_H

#include <stdint.h>

#include <jansson.h>

#include "db.h"
#include "trace.h"

#define REPORT_SILENT_MIN 30	/* a venue silent this long is flagged */
#define REPORT_GAP_MIN 15	/* heartbeat gaps longer than this listed */

/*
 * query_trace(d, o, who):
 * Run a trace and write it to the audit log as WHO (e.g. "cli:alice",
 * "http:tracer:1a2b3c4d@10.0.0.5"). The result (caller decrefs), or NULL
 * when the store failed (also audited).
 */
json_t *query_trace(struct db *d, const struct trace_opts *o,
    const char *who);

/*
 * query_refused(d, who, action, why):
 * Audit a request that was refused (a patrol token asking for a trace).
 */
void query_refused(struct db *d, const char *who, const char *action,
    const char *why);

/*
 * query_report(d, ward, day_ms, now_ms, silent_min):
 * The ward report for the local day holding DAY_MS (see docs/trace.md),
 * or NULL on a store failure.
 */
json_t *query_report(struct db *d, const char *ward, int64_t day_ms,
    int64_t now_ms, int silent_min);

/* query_report_print(f, r, format): table, json or csv. 0 or -1. */
int query_report_print(FILE *f, const json_t *r, const char *format);

/*
 * query_receipt(d, text):
 * Check a patrol receipt (KR1.) against the enrolled key of the device it
 * names: {"valid":true,"device","venue_id","venue","receipt":{...}} or
 * {"valid":false,"reason":...}. NULL on a store failure.
 */
json_t *query_receipt(struct db *d, const char *text);

#endif
