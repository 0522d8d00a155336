/*
 * report: the ward report. See report.h.
 */
#include "report.h"

#include <stdlib.h>
#include <sys/types.h>
#include <string.h>

#include <jansson.h>

#include "csv.h"
#include "dynbuf.h"
#include "hours.h"
#include "ktime.h"
#include "termtext.h"

#define MIN_MS INT64_C(60000)
#define DAY_MS INT64_C(86400000)

/* A gap [FROM, TO) into V when it is longer than REPORT_GAP_MIN. */
static int
add_gap(struct report_venue *v, size_t *cap, int64_t from, int64_t to)
{
	if (to - from <= REPORT_GAP_MIN * MIN_MS)
		return 0;
	if (dynbuf_grow(&v->gaps, cap, v->n_gaps + 1, sizeof(*v->gaps),
	    1u << 20) != 0)
		return -1;
	v->gaps[v->n_gaps].from_ms = from;
	v->gaps[v->n_gaps++].to_ms = to;
	return 0;
}

/* The parts of [FROM, TO) in opening hours H that are gaps, into V: a
 * closed venue sends no heartbeats and is not missing them. */
static int
open_gaps(struct report_venue *v, size_t *cap, const struct hours *h,
    int64_t from, int64_t to)
{
	int64_t t = from, run = -1;

	if (h->always)
		return add_gap(v, cap, from, to);
	while (t < to) {
		int64_t next = (t / MIN_MS + 1) * MIN_MS;
		int open = hours_open_at(h, t);

		if (open && run < 0)
			run = t;
		if (!open && run >= 0) {
			if (add_gap(v, cap, run, t) != 0)
				return -1;
			run = -1;
		}
		t = next < to ? next : to;
	}
	return run >= 0 ? add_gap(v, cap, run, to) : 0;
}

int
report_gaps(struct report_venue *v, const struct hours *h,
    const int64_t *beats, size_t n, int64_t from, int64_t to)
{
	int64_t prev = from;
	size_t i, cap = 0;

	for (i = 0; i <= n; i++) {
		int64_t cur = i < n ? beats[i] : to;

		if (cur - prev > REPORT_GAP_MIN * MIN_MS &&
		    open_gaps(v, &cap, h, prev, cur) != 0)
			return -1;
		prev = cur;
	}
	return 0;
}

/* A venue's figures from its device's row S: all but the day's counts,
 * heartbeats and inspections (report_build asks those for the whole
 * ward at once). Its opening hours into *H. */
static void
venue(const struct db_venue_status *s, int64_t day, int64_t now_ms,
    int silent_min, struct report_venue *v, struct hours *h)
{
	struct wire_heartbeat hb;
	const char *why;
	char err[80];
	int i, have_offset = 0, offset = 0;

	memset(v, 0, sizeof(*v));
	v->dev = s->dev;
	v->last_heartbeat_ms = s->last_heartbeat_ms;
	v->last_upload_ms = s->last_upload_ms;
	v->backlog = v->inspections_24h = -1;
	if (s->last_detail != NULL && wire_heartbeat_parse(s->last_detail,
	    strlen(s->last_detail), now_ms, &hb, err, sizeof(err)) == 0) {
		v->backlog = hb.backlog;
		v->inspections_24h = hb.inspections_24h;
		v->last_inspection_ms = hb.last_inspection_ms;
		snprintf(v->hours, sizeof(v->hours), "%s", hb.hours);
		have_offset = hb.have_utc_offset;
		offset = hb.utc_offset_min;
		wire_heartbeat_release(&hb);
	}
	/* Checked when the heartbeat was read: these parse. */
	if (hours_parse(v->hours, h, &why) != 0)
		(void)hours_parse("", h, &why);
	/* In the venue's time zone, as its kiosk said it. */
	h->have_offset = have_offset;
	h->offset_min = offset;
	/* Silent: open now, and no word for too long. A closed venue's
	 * kiosk may well be switched off. */
	v->open_now = hours_open_at(h, now_ms);
	v->silent = v->open_now && (s->last_heartbeat_ms == 0 ||
	    now_ms - s->last_heartbeat_ms > silent_min * MIN_MS);
	/* Seven days ending with the report's day, oldest first. */
	for (i = 0; i < REPORT_DAYS; i++)
		v->day_ms[i] = ktime_day_start(day - (REPORT_DAYS - 1 - i) *
		    DAY_MS + 3600000);
}

/* The ward's figures as they come, sorted to their venues. */
struct filling {
	struct report *r;
	size_t *by_id;			/* r->v's indexes by device id */
	struct beats {
		int64_t *t;
		size_t n, cap;
	} *beats;			/* per venue */
	size_t *on_day_cap;		/* per venue */
};

static int
by_device(const void *a, const void *b, void *ctx)
{
	const struct report *r = ctx;

	return strcmp(r->v[*(const size_t *)a].dev.device_id,
	    r->v[*(const size_t *)b].dev.device_id);
}

/* The venue of DEVICE_ID, or -1 (a revoked kiosk's figures). */
static ssize_t
find(const struct filling *f, const char *device_id)
{
	size_t lo = 0, hi = f->r->n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		int c = strcmp(device_id, f->r->v[f->by_id[mid]].dev.device_id);

		if (c == 0)
			return (ssize_t)f->by_id[mid];
		if (c < 0)
			hi = mid;
		else
			lo = mid + 1;
	}
	return -1;
}

static int
got_counts(void *ctx, const char *device_id, const int64_t *counts)
{
	ssize_t i = find(ctx, device_id);

	if (i >= 0)
		memcpy(((struct filling *)ctx)->r->v[i].visits, counts,
		    sizeof(int64_t) * REPORT_DAYS);
	return 0;
}

static int
got_beat(void *ctx, const char *device_id, int64_t t)
{
	struct filling *f = ctx;
	ssize_t i = find(f, device_id);
	struct beats *b;

	if (i < 0)
		return 0;
	b = &f->beats[i];
	if (dynbuf_grow(&b->t, &b->cap, b->n + 1, sizeof(*b->t),
	    1u << 24) != 0)
		return -1;
	b->t[b->n++] = t;
	return 0;
}

static int
got_inspection(void *ctx, const char *device_id,
    const struct wire_inspection *in)
{
	struct filling *f = ctx;
	ssize_t i = find(f, device_id);
	struct report_venue *v;

	if (i < 0)
		return 0;
	v = &f->r->v[i];
	if (dynbuf_grow(&v->on_day, &f->on_day_cap[i], v->n_on_day + 1,
	    sizeof(*v->on_day), 1u << 20) != 0)
		return -1;
	v->on_day[v->n_on_day++] = *in;
	return 0;
}

int
report_build(struct db *d, const char *ward, int64_t day_ms, int64_t now_ms,
    int silent_min, struct report *r)
{
	struct db_venue_status *s = NULL;
	int64_t day = ktime_day_start(day_ms);
	int64_t next = ktime_day_start(day + DAY_MS + 3600000);
	int64_t to = next < now_ms ? next : now_ms;
	int64_t bounds[REPORT_DAYS + 1];
	struct db_ward_fns fns = { got_counts, got_beat, got_inspection, NULL };
	struct filling f;
	struct hours *h;
	size_t n, i;
	int rc = 0;

	memset(r, 0, sizeof(*r));
	snprintf(r->ward, sizeof(r->ward), "%s", ward);
	r->day_ms = day;
	r->generated_ms = now_ms;
	r->silent_after_min = silent_min;
	if (db_ward_devices(d, ward, &s, &n) != 0)
		return -1;
	/* The ward as its kiosks were enrolled, not as it was typed. */
	if (n > 0)
		snprintf(r->ward, sizeof(r->ward), "%s", s[0].dev.ward);
	memset(&f, 0, sizeof(f));
	r->v = calloc(n + 1, sizeof(*r->v));
	h = calloc(n + 1, sizeof(*h));
	f.by_id = calloc(n + 1, sizeof(*f.by_id));
	f.beats = calloc(n + 1, sizeof(*f.beats));
	f.on_day_cap = calloc(n + 1, sizeof(*f.on_day_cap));
	if (r->v == NULL || h == NULL || f.by_id == NULL || f.beats == NULL ||
	    f.on_day_cap == NULL)
		rc = -1;
	for (i = 0; rc == 0 && i < n; i++) {
		if (s[i].revoked_ms != 0)
			continue;	/* not the ward's kiosk any more */
		venue(&s[i], day, now_ms, silent_min, &r->v[r->n], &h[r->n]);
		r->silent += r->v[r->n].silent;
		f.by_id[r->n] = r->n;
		r->n++;
	}
	db_ward_devices_free(s, n);
	if (rc == 0 && r->n > 0) {
		f.r = r;
		qsort_r(f.by_id, r->n, sizeof(*f.by_id), by_device, r);
		memcpy(bounds, r->v[0].day_ms, sizeof(r->v[0].day_ms));
		bounds[REPORT_DAYS] = next;
		fns.ctx = &f;
		rc = db_ward_figures(d, ward, bounds, REPORT_DAYS + 1, day,
		    next, to > day ? to : day, &fns);
	}
	/* Heartbeat gaps in opening hours over REPORT_GAP_MIN. */
	for (i = 0; rc == 0 && i < r->n; i++)
		if (to > day)
			rc = report_gaps(&r->v[i], &h[i], f.beats[i].t,
			    f.beats[i].n, day, to);
	for (i = 0; f.beats != NULL && i < r->n; i++)
		free(f.beats[i].t);
	free(f.beats);
	free(f.by_id);
	free(f.on_day_cap);
	free(h);
	if (rc != 0)
		report_release(r);
	return rc;
}

void
report_release(struct report *r)
{
	size_t i;

	for (i = 0; i < r->n; i++) {
		free(r->v[i].gaps);
		free(r->v[i].on_day);
	}
	free(r->v);
	r->v = NULL;
	r->n = 0;
}

/* ---- writing it ---- */

/* MS as ISO 8601 into BUF, or "" when 0 (never). */
static const char *
iso(int64_t ms, char buf[40])
{
	buf[0] = '\0';
	if (ms > 0 && ktime_format(ms, buf, 40) != 0)
		buf[0] = '\0';
	return buf;
}

static json_t *
iso_json(int64_t ms)
{
	char buf[40];

	return *iso(ms, buf) != '\0' ? json_string(buf) : json_null();
}

static const char *
date_of(int64_t ms, char buf[16])
{
	int y, m, dd;

	ktime_local_day(ms, &y, &m, &dd);
	snprintf(buf, 16, "%04d-%02d-%02d", y, m, dd);
	return buf;
}

static json_t *
venue_json(const struct report_venue *v)
{
	json_t *per = json_array(), *g = json_array(), *on = json_array();
	char date[16];
	size_t i;

	for (i = 0; i < REPORT_DAYS; i++)
		json_array_append_new(per, json_pack("{s:s, s:I}", "date",
		    date_of(v->day_ms[i], date), "visits",
		    (json_int_t)v->visits[i]));
	for (i = 0; i < v->n_gaps; i++)
		json_array_append_new(g, json_pack("{s:o, s:o, s:I}", "from",
		    iso_json(v->gaps[i].from_ms), "to",
		    iso_json(v->gaps[i].to_ms), "minutes", (json_int_t)
		    ((v->gaps[i].to_ms - v->gaps[i].from_ms) / MIN_MS)));
	for (i = 0; i < v->n_on_day; i++)
		json_array_append_new(on, json_pack("{s:I, s:s, s:s, s:o}",
		    "at_ms", (json_int_t)v->on_day[i].at_ms, "pass_id",
		    v->on_day[i].pass_id, "issuer", v->on_day[i].issuer, "at",
		    iso_json(v->on_day[i].at_ms)));
	return json_pack("{s:s, s:s, s:s, s:s, s:o, s:o, s:o, s:o, s:b, s:b, "
	    "s:o, s:o, s:{s:o, s:o, s:o}}", "venue_id", v->dev.venue_id,
	    "venue", v->dev.venue_name, "address", v->dev.address,
	    "device", v->dev.device_id, "last_heartbeat",
	    iso_json(v->last_heartbeat_ms), "last_upload",
	    iso_json(v->last_upload_ms), "backlog", v->backlog >= 0 ?
	    json_integer((json_int_t)v->backlog) : json_null(),
	    "hours", v->hours[0] ? json_string(v->hours) : json_null(),
	    "open_now", v->open_now, "silent", v->silent, "visits_per_day", per, "heartbeat_gaps", g,
	    "inspections", "last_24h", v->inspections_24h >= 0 ?
	    json_integer((json_int_t)v->inspections_24h) : json_null(),
	    "last", iso_json(v->last_inspection_ms), "on_day", on);
}

static int
print_json(FILE *f, const struct report *r)
{
	json_t *venues = json_array(), *j;
	char date[16];
	size_t i;
	int rc;

	for (i = 0; i < r->n; i++)
		json_array_append_new(venues, venue_json(&r->v[i]));
	j = json_pack("{s:s, s:s, s:o, s:i, s:I, s:i, s:o}", "ward", r->ward,
	    "date", date_of(r->day_ms, date), "generated",
	    iso_json(r->generated_ms), "silent_after_min", r->silent_after_min,
	    "venues_total", (json_int_t)r->n, "silent", r->silent, "venues",
	    venues);
	if (j != NULL && r->read_known) {
		json_object_set_new(j, "read_from", json_string(
		    r->read_standby ? "standby" : "primary"));
		json_object_set_new(j, "replication_lag_ms",
		    json_integer((json_int_t)r->read_lag_ms));
	}
	rc = j != NULL ? json_dumpf(j, f, JSON_COMPACT |
	    JSON_PRESERVE_ORDER) : -1;
	json_decref(j);
	if (rc != 0)
		return -1;
	fputc('\n', f);
	return 0;
}

static int
print_csv(FILE *f, const struct report *r)
{
	static const char *const head[] = { "venue_id", "venue", "address",
	    "device", "last_heartbeat", "last_upload", "backlog", "silent",
	    "visits_7_days", "visits_today", "heartbeat_gaps",
	    "longest_gap_min", "inspections_24h", "inspections_on_day",
	    "hours" };
	size_t i, j;

	if (csv_bom(f) != 0)
		return -1;
	for (i = 0; i < 15; i++)
		if (csv_cell(f, head[i], i == 0) != 0)
			return -1;
	if (csv_end(f) != 0)
		return -1;
	for (i = 0; i < r->n; i++) {
		const struct report_venue *v = &r->v[i];
		char n[7][24], hb[40], up[40];
		const char *cells[15];
		int64_t week = 0, longest = 0;

		for (j = 0; j < REPORT_DAYS; j++)
			week += v->visits[j];
		for (j = 0; j < v->n_gaps; j++)
			if ((v->gaps[j].to_ms - v->gaps[j].from_ms) / MIN_MS >
			    longest)
				longest = (v->gaps[j].to_ms -
				    v->gaps[j].from_ms) / MIN_MS;
		snprintf(n[0], 24, "%lld", (long long)v->backlog);
		snprintf(n[1], 24, "%lld", (long long)week);
		snprintf(n[2], 24, "%lld", (long long)v->visits[REPORT_DAYS -
		    1]);
		snprintf(n[3], 24, "%zu", v->n_gaps);
		snprintf(n[4], 24, "%lld", (long long)longest);
		snprintf(n[5], 24, "%lld", (long long)(v->inspections_24h > 0 ?
		    v->inspections_24h : 0));
		snprintf(n[6], 24, "%zu", v->n_on_day);
		cells[0] = v->dev.venue_id;
		cells[1] = v->dev.venue_name;
		cells[2] = v->dev.address;
		cells[3] = v->dev.device_id;
		cells[4] = iso(v->last_heartbeat_ms, hb);
		cells[5] = iso(v->last_upload_ms, up);
		cells[6] = v->backlog >= 0 ? n[0] : "";
		cells[7] = v->silent ? "SILENT" : "";
		for (j = 8; j < 14; j++)
			cells[j] = n[j - 7];
		cells[14] = v->hours[0] ? v->hours : "always";
		for (j = 0; j < 15; j++)
			if (csv_cell(f, cells[j], j == 0) != 0)
				return -1;
		if (csv_end(f) != 0)
			return -1;
	}
	return 0;
}

static void
print_table(FILE *f, const struct report *r)
{
	char date[16], a[40], b[40];
	size_t i, j;

	fputs("ward ", f);
	termtext_put(f, r->ward);
	fprintf(f, ", %s: %zu venues, %d silent for over %d min\n",
	    date_of(r->day_ms, date), r->n, r->silent, r->silent_after_min);
	for (i = 0; i < r->n; i++) {
		const struct report_venue *v = &r->v[i];
		char bl[32];

		fprintf(f, "\n%s", v->silent ? "SILENT  " : "");
		termtext_put(f, v->dev.venue_name);
		fputs("  ", f);
		termtext_put(f, v->dev.venue_id);
		fputs(" (", f);
		termtext_put(f, v->dev.address);
		fputs(")\n", f);
		if (v->backlog < 0)
			snprintf(bl, sizeof(bl), "unknown");
		else
			snprintf(bl, sizeof(bl), "%lld", (long long)v->backlog);
		fprintf(f, "  open %s%s\n", v->hours[0] ? v->hours : "always",
		    v->open_now ? "" : " (closed now)");
		fprintf(f, "  last heartbeat %s, last upload %s, backlog %s\n",
		    *iso(v->last_heartbeat_ms, a) ? a : "never",
		    *iso(v->last_upload_ms, b) ? b : "never", bl);
		fprintf(f, "  visits per day:");
		for (j = 0; j < REPORT_DAYS; j++)
			fprintf(f, " %s %lld;", date_of(v->day_ms[j], date) + 5,
			    (long long)v->visits[j]);
		fputc('\n', f);
		for (j = 0; j < v->n_gaps; j++)
			fprintf(f, "  gap while open %s .. %s (%lld min)\n",
			    iso(v->gaps[j].from_ms, a), iso(v->gaps[j].to_ms,
			    b), (long long)((v->gaps[j].to_ms -
			    v->gaps[j].from_ms) / MIN_MS));
		fprintf(f, "  inspections in the last 24 h: %lld%s%s\n",
		    (long long)(v->inspections_24h > 0 ? v->inspections_24h :
		    0), v->last_inspection_ms > 0 ? ", last " : "",
		    iso(v->last_inspection_ms, a));
		for (j = 0; j < v->n_on_day; j++) {
			fprintf(f, "  inspected %s by pass ",
			    iso(v->on_day[j].at_ms, a));
			termtext_put(f, v->on_day[j].pass_id);
			fputs(" (", f);
			termtext_put(f, v->on_day[j].issuer);
			fputs(")\n", f);
		}
	}
}

int
report_print(FILE *f, const struct report *r, const char *format)
{
	if (strcmp(format, "json") == 0) {
		if (print_json(f, r) != 0)
			return -1;
	} else if (strcmp(format, "csv") == 0) {
		if (print_csv(f, r) != 0)
			return -1;
	} else if (strcmp(format, "table") == 0) {
		print_table(f, r);
	} else {
		return -1;
	}
	return ferror(f) ? -1 : 0;
}
