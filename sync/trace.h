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
 *
 * The answer is a plain struct; trace_print.c writes it for a person, a
 * program or a spreadsheet.
 */
#ifndef KIOSK_TRACE_H
#define KIOSK_TRACE_H

#include <stdint.h>
#include <stdio.h>

#include "db.h"
#include "keys.h"

#define TRACE_DEFAULT_STAY_MIN 60
#define TRACE_DEFAULT_MIN_OVERLAP 15
#define TRACE_DEFAULT_DAYS 14
#define TRACE_MAX_STAY_MS (12LL * 3600 * 1000)
/* A trace's bounds (docs/trace.md): past either it stops and says so. */
#define TRACE_BUDGET_MS 20000
#define TRACE_MAX_CONTACTS 10000

#define TRACE_REASON_MIN 3
#define TRACE_REASON_MAX 200

struct trace_opts {
	char kind[16], subject[64];
	int64_t from_ms, to_ms;
	char reason[TRACE_REASON_MAX + 1];	/* why, or the case's reference:
					 * kept in the audit log */
	int depth;			/* 1 or 2 */
	int64_t min_overlap_ms;
	int64_t default_stay_ms;
	const struct key_pair *authority; /* NULL: sealed fields stay shut */
	int give_sealed;		/* hand the sealed fields out, still
					 * sealed (base64), for the authority's
					 * key where it is: the web console */
	int64_t budget_ms;		/* 0: TRACE_BUDGET_MS */
	size_t max_contacts;		/* F1 and F2 together; 0: the default */
	int (*gone)(void *ctx);		/* the asker went away; or NULL */
	void *gone_ctx;
};

/* The rules' texts, as a tracer gives them (NULL: the default). */
struct trace_args {
	const char *subject;		/* KIND:ID, required */
	const char *from, *to;		/* times (ktime_parse); to: now */
	const char *depth;		/* 1 or 2 */
	const char *min_overlap;	/* minutes, 0 to 1440 */
	const char *default_stay;	/* minutes, 1 to 720 */
	const char *reason;		/* required: why, or the case reference
					 * (3 to 200 bytes of plain text) */
};

/*
 * trace_opts_from(o, a, now_ms, why):
 * The trace's rules checked once for every front end (the command line
 * and HTTP): *O from A (from defaults to TRACE_DEFAULT_DAYS before to).
 * Returns 0, or -1 with *WHY naming the value that is wrong and what is
 * wanted. O->authority is left NULL.
 */
int trace_opts_from(struct trace_opts *o, const struct trace_args *a,
    int64_t now_ms, const char **why);

/*
 * trace_subject(text, kind, subject):
 * Parse "KIND:ID" (cccd:079..., phone:09..., pccovid:..., pass:...);
 * phone numbers in +84 form are normalised as the kiosk stores them.
 * Returns 0, or -1 when TEXT is not a subject.
 */
int trace_subject(const char *text, char kind[16], char subject[64]);

/* One visit of the answer: the case's, or a contact's. */
struct trace_entry {
	char subject[96];		/* KIND:ID */
	char venue_id[65], venue[129], address[257], ward[129];
	int64_t in_ms, out_ms;
	int out_assumed;		/* no check-out: the default stay */
	char source[8];
	int64_t overlap_min;		/* contacts: minutes together */
	int64_t contact_from_ms;	/* contacts: when they met */
	char via[96];			/* F2: the F1 it came through */
	int clock;			/* DB_CLOCK_*: can the time be trusted */
	int64_t claimed_ms;		/* DB_CLOCK_REFILED: the kiosk's time */
	char *personal;			/* opened sealed fields (JSON text),
					 * or NULL; wiped when released */
	int personal_shut;		/* sealed, but this key does not open it */
	char *sealed;			/* give_sealed: the sealed box, base64
					 * (original variant), or NULL */
};

struct trace_list {
	struct trace_entry *v;
	size_t n, cap;
};

struct trace_result {
	struct trace_opts opts;		/* the question (authority, gone:
					 * NULL) */
	int opened;			/* an authority key was given */
	struct trace_list visits, f1, f2;
	const char *cut_short;		/* why the answer is not whole, or
					 * NULL when it is */
	int read_known;			/* read_standby and read_lag_ms say
					 * where the answer was read */
	int read_standby;		/* from a standby (db_open_reader) */
	int64_t read_lag_ms;		/* that far behind the primary */
};

/*
 * trace_run(d, o, r):
 * Answer O into *R (release with trace_result_release). Personal fields
 * are opened only with an authority key, and only for the people in the
 * answer. The work is bounded: past O's time budget or contact cap, when
 * a venue holds more visits than one answer (DB_ROWS_MAX), or when the
 * asker went away, it stops and R->cut_short says why; what was found
 * till then is the answer. Returns 0, or -1 when the store failed or
 * the budget ran out before the case's own visits were read (*R is then
 * empty; the log says which).
 */
int trace_run(struct db *d, const struct trace_opts *o,
    struct trace_result *r);

/* trace_result_release(r): free R, wiping opened fields. */
void trace_result_release(struct trace_result *r);

/* trace_count(r): how many people the answer names besides the case. */
int64_t trace_count(const struct trace_result *r);

/*
 * trace_print(f, r, format):
 * Write R as "table" (for a person), "json" (one line) or "csv" (UTF-8
 * with a BOM, formula-safe cells, one row per visit and contact).
 * Returns 0, or -1 on a write error or unknown format.
 */
int trace_print(FILE *f, const struct trace_result *r, const char *format);

#endif
