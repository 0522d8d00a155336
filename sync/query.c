/*
 * query: trace with audit, ward report, receipt check. See query.h.
 */
#include "query.h"

#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "csv.h"
#include "ktime.h"
#include "log.h"
#include "token.h"

#define MIN_MS INT64_C(60000)
#define DAY_MS INT64_C(86400000)

json_t *
query_trace(struct db *d, const struct trace_opts *o, const char *who)
{
	char subject[96], *detail;
	json_t *r = trace_run(d, o), *dj;

	snprintf(subject, sizeof(subject), "%s:%s", o->kind, o->subject);
	dj = json_pack("{s:s, s:I, s:I, s:i, s:I, s:I, s:b, s:b}", "subject",
	    subject, "from_ms", (json_int_t)o->from_ms, "to_ms",
	    (json_int_t)o->to_ms, "depth", o->depth, "min_overlap_min",
	    (json_int_t)(o->min_overlap_ms / MIN_MS), "default_stay_min",
	    (json_int_t)(o->default_stay_ms / MIN_MS), "opened_sealed",
	    o->authority != NULL, "ok", r != NULL);
	detail = json_dumps(dj, JSON_COMPACT | JSON_PRESERVE_ORDER);
	json_decref(dj);
	/* No audit line, no answer: a trace nobody can account for is not
	 * given out. */
	if (detail == NULL || db_audit_add(d, ktime_wall_ms(), who, "trace",
	    detail, r ? trace_count(r) : 0) != 0) {
		log_error("trace of %s refused: the audit log could not be "
		    "written", subject);
		json_decref(r);
		r = NULL;
	}
	free(detail);
	return r;
}

void
query_refused(struct db *d, const char *who, const char *action,
    const char *why)
{
	json_t *dj = json_pack("{s:s}", "refused", why);
	char *detail = json_dumps(dj, JSON_COMPACT);

	json_decref(dj);
	if (detail != NULL)
		(void)db_audit_add(d, ktime_wall_ms(), who, action, detail, 0);
	free(detail);
}

static json_t *
when_or_null(int64_t ms)
{
	char buf[40];

	if (ms <= 0 || ktime_format(ms, buf, sizeof(buf)) != 0)
		return json_null();
	return json_string(buf);
}

static json_t *
date_of(int64_t ms)
{
	int y, m, dd;
	char buf[16];

	ktime_local_day(ms, &y, &m, &dd);
	snprintf(buf, sizeof(buf), "%04d-%02d-%02d", y, m, dd);
	return json_string(buf);
}

/* Heartbeat gaps over REPORT_GAP_MIN in [from, to). */
static json_t *
gaps(struct db *d, const char *device, int64_t from, int64_t to, int *err)
{
	json_t *a = json_array();
	int64_t *t = NULL, prev = from;
	size_t n, i;

	if (to <= from)
		return a;
	if (db_heartbeat_times(d, device, from, to, &t, &n) != 0) {
		*err = 1;
		return a;
	}
	for (i = 0; i <= n; i++) {
		int64_t cur = i < n ? t[i] : to;

		if (cur - prev > REPORT_GAP_MIN * MIN_MS)
			json_array_append_new(a, json_pack("{s:o, s:o, s:I}",
			    "from", when_or_null(prev), "to", when_or_null(cur),
			    "minutes", (json_int_t)((cur - prev) / MIN_MS)));
		prev = cur;
	}
	free(t);
	return a;
}

json_t *
query_report(struct db *d, const char *ward, int64_t day_ms, int64_t now_ms,
    int silent_min)
{
	struct db_venue_status *v = NULL;
	int64_t day = ktime_day_start(day_ms), next = ktime_day_start(day +
	    DAY_MS + 3600000);
	json_t *r, *venues;
	size_t n, i;
	int err = 0, flagged = 0;

	if (db_ward_devices(d, ward, &v, &n) != 0)
		return NULL;
	venues = json_array();
	for (i = 0; i < n && !err; i++) {
		json_t *hb = json_loads(v[i].last_detail, 0, NULL), *per, *e,
		    *on_day;
		int64_t k, start, end;
		int silent = v[i].last_heartbeat_ms == 0 ||
		    now_ms - v[i].last_heartbeat_ms > silent_min * MIN_MS;
		int d6;

		per = json_array();
		/* Seven days ending with the report's day, oldest first. */
		for (d6 = 6; d6 >= 0 && !err; d6--) {
			start = ktime_day_start(day - d6 * DAY_MS + 3600000);
			end = ktime_day_start(start + DAY_MS + 3600000);
			k = db_count_visits(d, v[i].dev.device_id, start, end);
			if (k < 0)
				err = 1;
			json_array_append_new(per, json_pack("{s:o, s:I}",
			    "date", date_of(start), "visits", (json_int_t)k));
		}
		{
			char *ins = db_inspections(d, v[i].dev.device_id, day,
			    next);
			json_t *list = ins ? json_loads(ins, 0, NULL) : NULL;
			size_t j;
			json_t *x;

			free(ins);
			if (list == NULL)
				err = 1;
			json_array_foreach(list, j, x)
				json_object_set_new(x, "at", when_or_null(
				    json_integer_value(json_object_get(x,
				    "at_ms"))));
			on_day = list ? list : json_array();
		}
		e = json_pack("{s:s, s:s, s:s, s:s, s:o, s:o, s:o, s:b, s:o, "
		    "s:o, s:{s:o, s:o, s:o}}", "venue_id", v[i].dev.venue_id,
		    "venue", v[i].dev.venue_name, "address", v[i].dev.address,
		    "device", v[i].dev.device_id, "last_heartbeat",
		    when_or_null(v[i].last_heartbeat_ms), "last_upload",
		    when_or_null(v[i].last_upload_ms), "backlog",
		    json_is_integer(json_object_get(hb, "backlog")) ?
		    json_incref(json_object_get(hb, "backlog")) : json_null(),
		    "silent", silent, "visits_per_day", per, "heartbeat_gaps",
		    gaps(d, v[i].dev.device_id, day, next < now_ms ? next :
		    now_ms, &err), "inspections", "last_24h",
		    json_is_integer(json_object_get(hb, "inspections_24h")) ?
		    json_incref(json_object_get(hb, "inspections_24h")) :
		    json_null(), "last", when_or_null(json_integer_value(
		    json_object_get(hb, "last_inspection_ms"))), "on_day",
		    on_day);
		json_decref(hb);
		json_array_append_new(venues, e);
		flagged += silent;
	}
	free(v);
	if (err) {
		json_decref(venues);
		return NULL;
	}
	r = json_pack("{s:s, s:o, s:o, s:i, s:I, s:i, s:o}", "ward", ward,
	    "date", date_of(day), "generated", when_or_null(now_ms),
	    "silent_after_min", silent_min, "venues_total", (json_int_t)n,
	    "silent", flagged, "venues", venues);
	return r;
}

static const char *
s_of(const json_t *o, const char *key)
{
	const char *s = json_string_value(json_object_get(o, key));

	return s != NULL ? s : "";
}

int
query_report_print(FILE *f, const json_t *r, const char *format)
{
	const json_t *venues = json_object_get(r, "venues"), *v;
	size_t i, j;

	if (strcmp(format, "json") == 0) {
		if (json_dumpf(r, f, JSON_COMPACT | JSON_PRESERVE_ORDER) != 0)
			return -1;
		fputc('\n', f);
		return ferror(f) ? -1 : 0;
	}
	if (strcmp(format, "csv") == 0) {
		static const char *const head[] = { "venue_id", "venue",
		    "address", "device", "last_heartbeat", "last_upload",
		    "backlog", "silent", "visits_7_days", "visits_today",
		    "heartbeat_gaps", "longest_gap_min", "inspections_24h",
		    "inspections_on_day" };

		if (csv_bom(f) != 0)
			return -1;
		for (i = 0; i < 14; i++)
			if (csv_cell(f, head[i], i == 0) != 0)
				return -1;
		if (csv_end(f) != 0)
			return -1;
		json_array_foreach(venues, i, v) {
			const json_t *per = json_object_get(v, "visits_per_day");
			const json_t *g = json_object_get(v, "heartbeat_gaps");
			json_int_t week = 0, longest = 0;
			char n[7][24];
			const char *cells[14];
			json_t *x;
			size_t c;

			json_array_foreach(per, j, x)
				week += json_integer_value(json_object_get(x,
				    "visits"));
			json_array_foreach(g, j, x)
				if (json_integer_value(json_object_get(x,
				    "minutes")) > longest)
					longest = json_integer_value(
					    json_object_get(x, "minutes"));
			snprintf(n[0], 24, "%lld", (long long)json_integer_value(
			    json_object_get(v, "backlog")));
			snprintf(n[1], 24, "%lld", (long long)week);
			snprintf(n[2], 24, "%lld", (long long)json_integer_value(
			    json_object_get(json_array_get(per, 6), "visits")));
			snprintf(n[3], 24, "%zu", json_array_size(g));
			snprintf(n[4], 24, "%lld", (long long)longest);
			snprintf(n[5], 24, "%lld", (long long)json_integer_value(
			    json_object_get(json_object_get(v, "inspections"),
			    "last_24h")));
			cells[0] = s_of(v, "venue_id");
			cells[1] = s_of(v, "venue");
			cells[2] = s_of(v, "address");
			cells[3] = s_of(v, "device");
			cells[4] = s_of(v, "last_heartbeat");
			cells[5] = s_of(v, "last_upload");
			cells[6] = json_is_null(json_object_get(v, "backlog")) ?
			    "" : n[0];
			cells[7] = json_is_true(json_object_get(v, "silent")) ?
			    "SILENT" : "";
			cells[8] = n[1];
			cells[9] = n[2];
			cells[10] = n[3];
			cells[11] = n[4];
			cells[12] = n[5];
			snprintf(n[6], 24, "%zu", json_array_size(
			    json_object_get(json_object_get(v, "inspections"),
			    "on_day")));
			cells[13] = n[6];
			for (c = 0; c < 14; c++)
				if (csv_cell(f, cells[c], c == 0) != 0)
					return -1;
			if (csv_end(f) != 0)
				return -1;
		}
		return ferror(f) ? -1 : 0;
	}
	if (strcmp(format, "table") != 0)
		return -1;
	fprintf(f, "ward %s, %s: %lld venues, %lld silent for over %lld min\n",
	    s_of(r, "ward"), s_of(r, "date"), (long long)json_integer_value(
	    json_object_get(r, "venues_total")), (long long)json_integer_value(
	    json_object_get(r, "silent")), (long long)json_integer_value(
	    json_object_get(r, "silent_after_min")));
	json_array_foreach(venues, i, v) {
		const json_t *x, *x2;
		char bl[32];

		fprintf(f, "\n%s%s  %s (%s)\n", json_is_true(json_object_get(v,
		    "silent")) ? "SILENT  " : "", s_of(v, "venue"),
		    s_of(v, "venue_id"), s_of(v, "address"));
		if (json_is_null(json_object_get(v, "backlog")))
			snprintf(bl, sizeof(bl), "unknown");
		else
			snprintf(bl, sizeof(bl), "%lld", (long long)
			    json_integer_value(json_object_get(v, "backlog")));
		fprintf(f, "  last heartbeat %s, last upload %s, backlog %s\n",
		    *s_of(v, "last_heartbeat") ? s_of(v, "last_heartbeat") :
		    "never", *s_of(v, "last_upload") ? s_of(v, "last_upload") :
		    "never", bl);
		fprintf(f, "  visits per day:");
		json_array_foreach(json_object_get(v, "visits_per_day"), j, x)
			fprintf(f, " %s %lld;", s_of(x, "date") + 5, (long long)
			    json_integer_value(json_object_get(x, "visits")));
		fputc('\n', f);
		json_array_foreach(json_object_get(v, "heartbeat_gaps"), j, x)
			fprintf(f, "  gap %s .. %s (%lld min)\n", s_of(x, "from"),
			    s_of(x, "to"), (long long)json_integer_value(
			    json_object_get(x, "minutes")));
		x = json_object_get(v, "inspections");
		fprintf(f, "  inspections in the last 24 h: %lld%s%s\n",
		    (long long)json_integer_value(json_object_get(x,
		    "last_24h")), *s_of(x, "last") ? ", last " : "",
		    s_of(x, "last"));
		json_array_foreach(json_object_get(x, "on_day"), j, x2)
			fprintf(f, "  inspected %s by pass %s (%s)\n",
			    s_of(x2, "at"), s_of(x2, "pass_id"),
			    s_of(x2, "issuer"));
	}
	return ferror(f) ? -1 : 0;
}

json_t *
query_receipt(struct db *d, const char *text)
{
	const char *p, *dot, *end;
	unsigned char pk[KEYS_PUB_LEN];
	char body[1024], dev[KEYS_ID_LEN + 1], venue[129];
	size_t blen;
	json_t *o, *r;
	int rc;

	/* Which device: from the body, before the signature is checked. */
	if (strncmp(text, "KR1.", 4) != 0 || (dot = strchr(text + 4,
	    '.')) == NULL)
		return json_pack("{s:b, s:s}", "valid", 0, "reason",
		    "not a receipt (KR1.)");
	p = text + 4;
	if (sodium_base642bin((unsigned char *)body, sizeof(body) - 1, p,
	    (size_t)(dot - p), NULL, &blen, &end,
	    sodium_base64_VARIANT_URLSAFE_NO_PADDING) != 0 || end != dot)
		return json_pack("{s:b, s:s}", "valid", 0, "reason",
		    "malformed");
	body[blen] = '\0';
	o = json_loads(body, 0, NULL);
	if (json_string_value(json_object_get(o, "device")) == NULL ||
	    strlen(json_string_value(json_object_get(o, "device"))) !=
	    KEYS_ID_LEN) {
		json_decref(o);
		return json_pack("{s:b, s:s}", "valid", 0, "reason",
		    "malformed");
	}
	snprintf(dev, sizeof(dev), "%s", json_string_value(json_object_get(o,
	    "device")));
	json_decref(o);
	rc = db_device_key(d, dev, pk);
	if (rc < 0)
		return NULL;
	if (rc == 1)
		return json_pack("{s:b, s:s, s:s}", "valid", 0, "reason",
		    "unknown device", "device", dev);
	if (token_receipt_verify(pk, text, body, sizeof(body)) != 0)
		return json_pack("{s:b, s:s, s:s}", "valid", 0, "reason",
		    "bad signature: not made by this venue's kiosk", "device",
		    dev);
	if (db_device_venue(d, dev, venue, sizeof(venue)) != 0)
		venue[0] = '\0';
	o = json_loads(body, 0, NULL);
	r = json_pack("{s:b, s:s, s:s, s:s, s:o}", "valid", 1, "device", dev,
	    "venue_id", s_of(o, "venue"), "venue", venue, "receipt",
	    o ? o : json_null());
	return r;
}
