/*
 * api_query: the tracer, patrol and admin endpoints (docs/trace.md). The
 * same queries as the command line (query.c, report.c), with the rules
 * checked in the same place (trace_opts_from).
 */
#include "api_impl.h"

#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "ktime.h"
#include "parsenum.h"
#include "query.h"
#include "report.h"
#include "wardname.h"
#include "trace.h"

static const char *
arg(const struct api_request *rq, const char *name)
{
	return rq->arg(rq->ctx, name);
}

/* FORMAT is json (the default) or csv? NULL when neither. */
static const char *
json_or_csv(const struct api_request *rq)
{
	const char *f = arg(rq, "format");

	if (f == NULL)
		return "json";
	return strcmp(f, "json") == 0 || strcmp(f, "csv") == 0 ? f : NULL;
}

struct printed {
	const void *what;
	const char *format;
	int (*print)(FILE *, const void *, const char *);
};

static int
print_trace(FILE *f, const void *r, const char *format)
{
	return trace_print(f, r, format);
}

static int
print_report(FILE *f, const void *r, const char *format)
{
	return report_print(f, r, format);
}

static int
print_as(FILE *f, const void *ctx)
{
	const struct printed *p = ctx;

	return p->print(f, p->what, p->format);
}

/* Answer WHAT as JSON, or as a CSV download FILENAME. */
static void
answer_as(struct api_response *rs, const struct printed *p,
    const char *filename)
{
	int csv = strcmp(p->format, "csv") == 0;

	api_print(rs, print_as, p, csv ? "text/csv; charset=utf-8" :
	    "application/json", csv ? filename : NULL);
	if (csv && rs->status == HTTP_OK) {
		rs->headers[0][0] = "Cache-Control";
		rs->headers[0][1] = "no-store";
	}
}

/* GET /api/v1/trace?subject=KIND:ID&reason=TEXT&from=&to=&depth=
 * &min_overlap=&default_stay=&format=json|csv, for a tracer token only. */
/* Where reads go (a standby when one is given), and how far behind it
 * is, into *KNOWN, *STANDBY, *LAG. */
static struct db *
reader(struct db *db, const struct api_config *cfg, int *known,
    int *standby, int64_t *lag)
{
	struct db *rd = cfg->read_db != NULL ? cfg->read_db : db;

	*known = cfg->read_db != NULL && db_read_lag(rd, standby, lag) == 0;
	return rd;
}

void
api_trace(struct db *db, const struct api_config *cfg,
    const struct api_request *rq, struct api_response *rs)
{
	int known = 0, standby = 0;
	int64_t lag = 0;
	struct trace_args ta = { arg(rq, "subject"), arg(rq, "from"),
	    arg(rq, "to"), arg(rq, "depth"), arg(rq, "min_overlap"),
	    arg(rq, "default_stay"), arg(rq, "reason") };
	const char *format = json_or_csv(rq), *why;
	struct trace_result r;
	struct trace_opts o;
	struct api_caller who;
	struct printed p;
	char msg[256];

	if (api_authorize(db, rq, "tracer", "a tracer token", "this token's "
	    "role may not trace; ask for a tracer token", "trace", &who,
	    rs) != 0)
		return;
	if (format == NULL) {
		api_fail(rs, HTTP_BAD_REQUEST, "format must be json or csv");
		return;
	}
	if (trace_opts_from(&o, &ta, ktime_wall_ms(), &why) != 0) {
		snprintf(msg, sizeof(msg), "%s; want subject=KIND:ID, "
		    "reason=TEXT and optional from, to (times), depth (1|2), "
		    "min_overlap, default_stay (minutes), format (json|csv)",
		    why);
		api_fail(rs, HTTP_BAD_REQUEST, msg);
		return;
	}
	o.gone = rq->gone;
	o.gone_ctx = rq->gone_ctx;
	/* The console opens the sealed fields in the browser, with the
	 * authority's key the server never sees: it asks for them sealed. */
	o.give_sealed = arg(rq, "sealed") != NULL &&
	    strcmp(arg(rq, "sealed"), "1") == 0;
	if (query_trace_on(reader(db, cfg, &known, &standby, &lag), db, &o,
	    who.who, &r) != 0) {
		snprintf(msg, sizeof(msg), "the trace could not be run or "
		    "audited; nothing was given out%s%s", r.cut_short ? ": " :
		    "", r.cut_short ? r.cut_short : "");
		api_fail(rs, HTTP_UNAVAILABLE, msg);
		return;
	}
	r.read_known = known;
	r.read_standby = standby;
	r.read_lag_ms = lag;
	p.what = &r;
	p.format = format;
	p.print = print_trace;
	answer_as(rs, &p, "trace.csv");
	trace_result_release(&r);
}

/* GET /api/v1/report?ward=W&date=D&format=json|csv: a patrol token (of
 * that ward, when it names one) or an admin token. */
void
api_report(struct db *db, const struct api_config *cfg,
    const struct api_request *rq, struct api_response *rs)
{
	int known = 0, standby = 0;
	int64_t lag = 0;
	struct db *rd;
	const char *want = arg(rq, "ward"), *format = json_or_csv(rq);
	int64_t now = ktime_wall_ms(), day = now;
	int silent = REPORT_SILENT_MIN;
	struct api_caller who;
	struct report r;
	struct printed p;

	if (api_authorize(db, rq, "patrol admin", "a patrol token", "this "
	    "token's role may not read ward reports", "report", &who, rs) != 0)
		return;
	if (want == NULL && who.ward[0] != '\0')
		want = who.ward;
	if (want == NULL || format == NULL || (arg(rq, "silent_after") != NULL &&
	    parsenum_int(arg(rq, "silent_after"), 1, 7 * 24 * 60,
	    &silent) != 0) || (arg(rq, "date") != NULL &&
	    ktime_parse(arg(rq, "date"), &day) != 0)) {
		api_fail(rs, HTTP_BAD_REQUEST, "want ward=W and optional date "
		    "(YYYY-MM-DD), silent_after (minutes), format (json|csv)");
		return;
	}
	if (strcmp(who.role, "patrol") == 0 && who.ward[0] != '\0' &&
	    !ward_same(who.ward, want)) {
		query_refused(db, who.who, "report", "a patrol token of another "
		    "ward");
		api_fail(rs, HTTP_FORBIDDEN, "this patrol token is for another "
		    "ward");
		return;
	}
	rd = reader(db, cfg, &known, &standby, &lag);
	if (report_build(rd, want, day, now, silent, &r) != 0) {
		api_fail(rs, HTTP_UNAVAILABLE, "the store is not answering");
		return;
	}
	r.read_known = known;
	r.read_standby = standby;
	r.read_lag_ms = lag;
	(void)query_report_audited(db, who.who, &r);
	p.what = &r;
	p.format = format;
	p.print = print_report;
	answer_as(rs, &p, "report.csv");
	report_release(&r);
}

struct audit_list {
	struct db_audit *a;
	size_t n;
};

static int
print_audit(FILE *f, const void *ctx)
{
	const struct audit_list *l = ctx;

	return query_audit_print(f, l->a, l->n, "json");
}

/* Keep the lines of L that FLT wants. */
static void
audit_keep(struct audit_list *l, const struct audit_filter *flt)
{
	size_t i, k = 0;

	for (i = 0; i < l->n; i++) {
		if (!audit_wanted(&l->a[i], flt)) {
			free(l->a[i].detail);
			continue;
		}
		l->a[k++] = l->a[i];
	}
	l->n = k;
}

/* An argument, NULL when empty. */
static const char *
given(const struct api_request *rq, const char *name)
{
	const char *v = arg(rq, name);

	return v != NULL && *v != '\0' ? v : NULL;
}

/* GET /api/v1/audit?action=&who=&subject=&from=&to=: the audit log (as
 * `collector audit` filters it), for an admin token only, oldest first. */
void
api_audit(struct db *db, const struct api_request *rq,
    struct api_response *rs)
{
	const char *from = given(rq, "from"), *to = given(rq, "to");
	struct audit_filter flt = { given(rq, "who"), given(rq, "subject"),
	    given(rq, "action"), 0, 0 };
	struct api_caller who;
	struct audit_list l;

	if (api_authorize(db, rq, "admin", "an admin token", "only an admin "
	    "token may read the audit log", "audit", &who, rs) != 0)
		return;
	if ((from != NULL && ktime_parse(from, &flt.from_ms) != 0) ||
	    (to != NULL && ktime_parse(to, &flt.to_ms) != 0)) {
		api_fail(rs, HTTP_BAD_REQUEST, "from and to are times "
		    "(YYYY-MM-DD or YYYY-MM-DD HH:MM)");
		return;
	}
	if (db_audit_list(db, &l.a, &l.n) != 0) {
		api_fail(rs, HTTP_UNAVAILABLE, "the store is not answering");
		return;
	}
	audit_keep(&l, &flt);
	api_print(rs, print_audit, &l, "application/json", NULL);
	db_audit_free(l.a, l.n);
}

static int
print_receipt(FILE *f, const void *ctx)
{
	return query_receipt_print(f, ctx);
}

/* GET /api/v1/verify-receipt?receipt=KR1... or POST {"receipt"}: a patrol
 * or admin token. 200 with {"valid":...} either way. */
void
api_receipt(struct db *db, const struct api_request *rq,
    struct api_response *rs)
{
	struct receipt_check c;
	struct api_caller who;
	char text[2048];
	const char *t;
	json_t *body = NULL;

	if (api_authorize(db, rq, "patrol admin", "a patrol token", "this "
	    "token's role may not check receipts", "receipt", &who, rs) != 0)
		return;
	if (strcmp(rq->method, "POST") == 0) {
		body = json_loadb(rq->body, rq->len, JSON_REJECT_DUPLICATES,
		    NULL);
		t = json_string_value(json_object_get(body, "receipt"));
	} else {
		t = arg(rq, "receipt");
	}
	if (t == NULL || strlen(t) >= sizeof(text)) {
		json_decref(body);
		api_fail(rs, HTTP_BAD_REQUEST, "want a receipt (KR1...)");
		return;
	}
	snprintf(text, sizeof(text), "%s", t);
	json_decref(body);
	if (query_receipt(db, text, &c) != 0) {
		api_fail(rs, HTTP_UNAVAILABLE, "the store is not answering");
		return;
	}
	api_print(rs, print_receipt, &c, "application/json", NULL);
	query_receipt_release(&c);
}
