/*
 * trace: case -> F1 -> F2 over the collector's visits (docs/trace.md).
 *
 * A visit is an interval: a check-in, to its check-out at the same venue
 * when one follows within TRACE_MAX_STAY, else to the check-in plus the
 * default stay (cut short by the same person's next check-in there). An
 * F1 is anyone whose interval at a venue overlaps one of the case's by at
 * least min_overlap (and by more than nothing); an F2 anyone who overlaps
 * an F1 the same way in that F1's visits from the contact on, unless
 * already listed (the case, an F1, an earlier F2).
 */
#ifndef KIOSK_TRACE_H
#define KIOSK_TRACE_H

#include <stdint.h>
#include <stdio.h>

#include <jansson.h>

#include "db.h"
#include "keys.h"

#define TRACE_DEFAULT_STAY_MIN 60
#define TRACE_DEFAULT_MIN_OVERLAP 15
#define TRACE_MAX_STAY_MS (12LL * 3600 * 1000)

struct trace_opts {
	char kind[16], subject[64];
	int64_t from_ms, to_ms;
	int depth;			/* 1 or 2 */
	int64_t min_overlap_ms;
	int64_t default_stay_ms;
	const struct key_pair *authority; /* NULL: sealed fields stay shut */
};

/*
 * trace_subject(text, kind, subject):
 * Parse "KIND:ID" (cccd:079..., phone:09..., pccovid:..., pass:...);
 * phone numbers in +84 form are normalised as the kiosk stores them.
 * Returns 0, or -1 when TEXT is not a subject.
 */
int trace_subject(const char *text, char kind[16], char subject[64]);

/*
 * trace_run(d, o):
 * The result as one JSON object {"case", "visits", "f1", "f2"} (see
 * docs/trace.md), or NULL when the store failed. Personal fields are
 * opened (into "personal") only with an authority key, and only for the
 * people in the result.
 */
json_t *trace_run(struct db *d, const struct trace_opts *o);

/* trace_count(r): how many people the result names besides the case. */
int64_t trace_count(const json_t *r);

/*
 * trace_print(f, r, format):
 * Write R as "table" (for a person), "json" (one line) or "csv" (UTF-8
 * with a BOM, formula-safe cells, one row per visit and contact).
 * Returns 0, or -1 on a write error or unknown format.
 */
int trace_print(FILE *f, const json_t *r, const char *format);

#endif
