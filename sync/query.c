/*
 * query: traces with audit, receipts, the audit log and statistics. See
 * query.h.
 */
#include "query.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <jansson.h>
#include <sodium.h>

#include "csv.h"
#include "ktime.h"
#include "report.h"
#include "termtext.h"
#include "log.h"
#include "token.h"

#define MIN_MS INT64_C(60000)

int
query_trace(struct db *d, const struct trace_opts *o, const char *who,
    struct trace_result *r)
{
	return query_trace_on(d, d, o, who, r);
}

int
query_trace_on(struct db *read, struct db *d, const struct trace_opts *o,
    const char *who, struct trace_result *r)
{
	char subject[96], *detail;
	int ok = trace_run(read, o, r) == 0;
	json_t *dj;

	snprintf(subject, sizeof(subject), "%s:%s", o->kind, o->subject);
	dj = json_pack("{s:s, s:s, s:I, s:I, s:i, s:I, s:I, s:b, s:b, s:b, s:b}",
	    "subject", subject, "reason", o->reason, "from_ms",
	    (json_int_t)o->from_ms, "to_ms",
	    (json_int_t)o->to_ms, "depth", o->depth, "min_overlap_min",
	    (json_int_t)(o->min_overlap_ms / MIN_MS), "default_stay_min",
	    (json_int_t)(o->default_stay_ms / MIN_MS), "opened_sealed",
	    o->authority != NULL, "sealed_given", o->give_sealed, "ok", ok, "complete", ok &&
	    r->cut_short == NULL);
	detail = dj ? json_dumps(dj, JSON_COMPACT | JSON_PRESERVE_ORDER) :
	    NULL;
	json_decref(dj);
	/* No audit line, no answer: a trace nobody can account for is not
	 * given out. */
	if (detail == NULL || db_audit_add(d, ktime_wall_ms(), who, "trace",
	    detail, ok ? trace_count(r) : 0) != 0) {
		log_error("trace of %s refused: the audit log could not be "
		    "written", subject);
		if (ok)
			trace_result_release(r);
		ok = 0;
	}
	free(detail);
	return ok ? 0 : -1;
}

void
query_refused(struct db *d, const char *who, const char *action,
    const char *why)
{
	json_t *dj = json_pack("{s:s}", "refused", why);
	char *detail = dj ? json_dumps(dj, JSON_COMPACT) : NULL;

	json_decref(dj);
	if (detail != NULL)
		(void)db_audit_add(d, ktime_wall_ms(), who, action, detail, 0);
	free(detail);
}

int
query_report_audited(struct db *d, const char *who, const struct report *r)
{
	char day[40] = "", *detail;
	json_t *dj;
	int rc;

	(void)ktime_format(r->day_ms, day, sizeof(day));
	day[10] = '\0';
	dj = json_pack("{s:s, s:s}", "ward", r->ward, "date", day);
	detail = dj ? json_dumps(dj, JSON_COMPACT | JSON_PRESERVE_ORDER) :
	    NULL;
	json_decref(dj);
	rc = detail != NULL ? db_audit_add(d, ktime_wall_ms(), who, "report",
	    detail, (int64_t)r->n) : -1;
	free(detail);
	return rc;
}

/* ---- receipts ---- */

static int
refuse(struct receipt_check *c, const char *why)
{
	c->valid = 0;
	snprintf(c->reason, sizeof(c->reason), "%s", why);
	return 0;
}

int
query_receipt(struct db *d, const char *text, struct receipt_check *c)
{
	const char *p, *dot, *end, *dev;
	unsigned char pk[KEYS_PUB_LEN];
	char body[1024];
	size_t blen;
	json_t *o;
	int rc;

	memset(c, 0, sizeof(*c));
	/* Which device: from the body, before the signature is checked. */
	if (strncmp(text, "KR1.", 4) != 0 || (dot = strchr(text + 4,
	    '.')) == NULL)
		return refuse(c, "not a receipt (KR1.)");
	p = text + 4;
	if (sodium_base642bin((unsigned char *)body, sizeof(body) - 1, p,
	    (size_t)(dot - p), NULL, &blen, &end,
	    sodium_base64_VARIANT_URLSAFE_NO_PADDING) != 0 || end != dot)
		return refuse(c, "malformed");
	body[blen] = '\0';
	o = json_loads(body, 0, NULL);
	dev = json_string_value(json_object_get(o, "device"));
	if (dev == NULL || strlen(dev) != KEYS_ID_LEN) {
		json_decref(o);
		return refuse(c, "malformed");
	}
	snprintf(c->device, sizeof(c->device), "%s", dev);
	json_decref(o);
	rc = db_device_key(d, c->device, pk);
	if (rc < 0)
		return -1;
	if (rc == 1)
		return refuse(c, "unknown device");
	if (rc == 2)
		return refuse(c, "the kiosk that made it was revoked by its "
		    "ward");
	if (token_receipt_verify(pk, text, body, sizeof(body)) != 0)
		return refuse(c, "bad signature: not made by this venue's "
		    "kiosk");
	if (db_device_venue(d, c->device, c->venue, sizeof(c->venue)) != 0)
		c->venue[0] = '\0';
	o = json_loads(body, 0, NULL);
	snprintf(c->venue_id, sizeof(c->venue_id), "%s",
	    json_string_value(json_object_get(o, "venue")) ?
	    json_string_value(json_object_get(o, "venue")) : "");
	c->receipt = o ? json_dumps(o, JSON_COMPACT | JSON_PRESERVE_ORDER) :
	    NULL;
	json_decref(o);
	c->valid = 1;
	return 0;
}

void
query_receipt_release(struct receipt_check *c)
{
	free(c->receipt);
	c->receipt = NULL;
}

int
query_receipt_print(FILE *f, const struct receipt_check *c)
{
	json_t *j;
	int rc;

	if (c->valid)
		j = json_pack("{s:b, s:s, s:s, s:s, s:o}", "valid", 1, "device",
		    c->device, "venue_id", c->venue_id, "venue", c->venue,
		    "receipt", c->receipt ? json_loads(c->receipt, 0, NULL) :
		    json_null());
	else if (c->device[0] != '\0')
		j = json_pack("{s:b, s:s, s:s}", "valid", 0, "reason",
		    c->reason, "device", c->device);
	else
		j = json_pack("{s:b, s:s}", "valid", 0, "reason", c->reason);
	rc = j ? json_dumpf(j, f, JSON_COMPACT | JSON_PRESERVE_ORDER) : -1;
	json_decref(j);
	if (rc != 0)
		return -1;
	fputc('\n', f);
	return ferror(f) ? -1 : 0;
}

/* ---- the audit log and statistics ---- */

/* DETAIL's (JSON) string field KEY into OUT ("" when none). */
static void
detail_field(const char *detail, const char *key, char *out, size_t size)
{
	json_t *j = json_loads(detail ? detail : "", 0, NULL);
	const char *v = json_string_value(json_object_get(j, key));

	snprintf(out, size, "%s", v ? v : "");
	json_decref(j);
}

int
audit_wanted(const struct db_audit *a, const struct audit_filter *flt)
{
	char subject[96];

	if (flt == NULL)
		return 1;
	if (flt->from_ms != 0 && a->at_ms < flt->from_ms)
		return 0;
	if (flt->to_ms != 0 && a->at_ms >= flt->to_ms)
		return 0;
	if (flt->who != NULL && strstr(a->who, flt->who) == NULL)
		return 0;
	if (flt->action != NULL && strcmp(a->action, flt->action) != 0)
		return 0;
	if (flt->subject != NULL) {
		detail_field(a->detail, "subject", subject, sizeof(subject));
		if (strcmp(subject, flt->subject) != 0)
			return 0;
	}
	return 1;
}

/* A time as "2026-11-22 08:30:15" in local time. */
static void
local_time(int64_t ms, char *out, size_t size)
{
	char iso[40];

	if (ktime_format(ms, iso, sizeof(iso)) != 0 || strlen(iso) < 19) {
		snprintf(out, size, "?");
		return;
	}
	iso[10] = ' ';
	iso[19] = '\0';
	snprintf(out, size, "%s", iso);
}

static int
audit_json(FILE *f, const struct db_audit *a, size_t n)
{
	json_t *arr = json_array();
	char iso[40];
	size_t i;
	int rc;

	for (i = 0; i < n; i++) {
		json_t *detail = json_loads(a[i].detail, 0, NULL);

		if (ktime_format(a[i].at_ms, iso, sizeof(iso)) != 0)
			iso[0] = '\0';
		json_array_append_new(arr, json_pack("{s:I, s:s, s:s, s:s, "
		    "s:o, s:I}", "at_ms", (json_int_t)a[i].at_ms, "at", iso,
		    "who", a[i].who, "action", a[i].action, "detail",
		    detail ? detail : json_null(), "results",
		    (json_int_t)a[i].results));
	}
	rc = json_dumpf(arr, f, JSON_COMPACT | JSON_PRESERVE_ORDER);
	json_decref(arr);
	if (rc != 0)
		return -1;
	fputc('\n', f);
	return ferror(f) ? -1 : 0;
}

static int
audit_csv(FILE *f, const struct db_audit *a, size_t n)
{
	static const char *const head[] = { "at_local", "at_utc", "who",
	    "action", "subject", "reason", "results", "detail" };
	char local[40], utc[40], subject[96], reason[256], results[24];
	size_t i, k;
	time_t t;
	struct tm tm;

	csv_bom(f);
	for (k = 0; k < sizeof(head) / sizeof(head[0]); k++)
		csv_cell(f, head[k], k == 0);
	csv_end(f);
	for (i = 0; i < n; i++) {
		if (ktime_format(a[i].at_ms, local, sizeof(local)) != 0)
			local[0] = '\0';
		t = (time_t)(a[i].at_ms / 1000);
		if (gmtime_r(&t, &tm) == NULL || strftime(utc, sizeof(utc),
		    "%Y-%m-%dT%H:%M:%SZ", &tm) == 0)
			utc[0] = '\0';
		detail_field(a[i].detail, "subject", subject, sizeof(subject));
		detail_field(a[i].detail, "reason", reason, sizeof(reason));
		snprintf(results, sizeof(results), "%lld",
		    (long long)a[i].results);
		csv_cell(f, local, 1);
		csv_cell(f, utc, 0);
		csv_cell(f, a[i].who, 0);
		csv_cell(f, a[i].action, 0);
		csv_cell(f, subject, 0);
		csv_cell(f, reason, 0);
		csv_cell(f, results, 0);
		csv_cell(f, a[i].detail ? a[i].detail : "", 0);
		csv_end(f);
	}
	return ferror(f) ? -1 : 0;
}

int
query_audit_print(FILE *f, const struct db_audit *a, size_t n,
    const char *format)
{
	char when[40], who[TERMTEXT_SIZE(200)], subject[96], reason[256];
	char rs[TERMTEXT_SIZE(255)];
	size_t i;

	if (strcmp(format, "json") == 0)
		return audit_json(f, a, n);
	if (strcmp(format, "csv") == 0)
		return audit_csv(f, a, n);
	fprintf(f, "%-19s  %-24s %-8s %-22s %7s  %s\n", "when (local)", "who",
	    "action", "case", "answers", "reason");
	for (i = 0; i < n; i++) {
		local_time(a[i].at_ms, when, sizeof(when));
		detail_field(a[i].detail, "subject", subject, sizeof(subject));
		detail_field(a[i].detail, "reason", reason, sizeof(reason));
		fprintf(f, "%-19s  %-24s %-8s %-22s %7lld  %s\n", when,
		    termtext(a[i].who, who, sizeof(who)), a[i].action,
		    subject[0] ? subject : "-", (long long)a[i].results,
		    reason[0] ? termtext(reason, rs, sizeof(rs)) : "-");
	}
	if (n == 0)
		fprintf(f, "(no entries)\n");
	return ferror(f) ? -1 : 0;
}

int
query_stats_print(FILE *f, const struct db_stats *s, int as_json)
{
	json_t *o, *per;
	size_t i;
	int rc;

	if (!as_json) {
		fprintf(f, "devices:  %lld\nvisits:   %lld\nrejects:  %lld\n",
		    (long long)s->devices, (long long)s->visits,
		    (long long)s->rejects);
		return ferror(f) ? -1 : 0;
	}
	per = json_object();
	for (i = 0; i < s->n_per; i++) {
		char key[80];

		snprintf(key, sizeof(key), "%s/%s", s->per[i].device_id,
		    s->per[i].instance);
		json_object_set_new(per, key, json_pack("{s:I, s:I}",
		    "max_seq", (json_int_t)s->per[i].max_seq, "visits",
		    (json_int_t)s->per[i].visits));
	}
	o = json_pack("{s:I, s:I, s:I, s:I}", "devices",
	    (json_int_t)s->devices, "visits", (json_int_t)s->visits,
	    "rejects", (json_int_t)s->rejects, "heartbeats",
	    (json_int_t)s->heartbeats);
	if (o != NULL && s->partitions >= 0)
		json_object_set_new(o, "partitions",
		    json_integer((json_int_t)s->partitions));
	if (o != NULL)
		json_object_set_new(o, "per_device", per);
	else
		json_decref(per);
	rc = o ? json_dumpf(o, f, JSON_COMPACT | JSON_PRESERVE_ORDER) : -1;
	json_decref(o);
	if (rc != 0)
		return -1;
	fputc('\n', f);
	return ferror(f) ? -1 : 0;
}

int
query_devices_print(FILE *f, const struct db_venue_status *v, size_t n)
{
	json_t *arr = json_array(), *o;
	size_t i;
	int rc;

	for (i = 0; i < n && arr != NULL; i++) {
		o = json_pack("{s:s, s:s, s:s, s:s, s:s, s:I, s:I, s:I, s:I}",
		    "device_id", v[i].dev.device_id, "venue_id",
		    v[i].dev.venue_id, "venue_name", v[i].dev.venue_name,
		    "address", v[i].dev.address, "ward", v[i].dev.ward,
		    "enrolled_ms", (json_int_t)v[i].enrolled_ms,
		    "last_heartbeat_ms", (json_int_t)v[i].last_heartbeat_ms,
		    "last_upload_ms", (json_int_t)v[i].last_upload_ms,
		    "revoked_ms", (json_int_t)v[i].revoked_ms);
		if (o == NULL || json_array_append_new(arr, o) != 0) {
			json_decref(arr);
			return -1;
		}
	}
	o = arr ? json_pack("{s:o}", "devices", arr) : NULL;
	rc = o ? json_dumpf(o, f, JSON_COMPACT | JSON_PRESERVE_ORDER) : -1;
	json_decref(o);
	if (rc != 0)
		return -1;
	fputc('\n', f);
	return ferror(f) ? -1 : 0;
}
