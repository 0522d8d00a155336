/*
 * trace_print: a trace's answer for a person (table), a program (JSON) or
 * a spreadsheet (CSV). See trace.h.
 */
#include "trace.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <jansson.h>
#include <sodium.h>
#include <uniwidth.h>

#include "csv.h"
#include "ktime.h"
#include "termtext.h"

#define SHUT "(could not be opened with this key)"

/* How far the visit's time can be trusted, for the tracer (db.h). */
static const char *
clock_name(int clock)
{
	return clock == DB_CLOCK_UNTRUSTED ? "untrusted" :
	    clock == DB_CLOCK_REFILED ? "filed_at_arrival" : "ok";
}

static json_t *
when(int64_t ms)
{
	char buf[40];

	if (ktime_format(ms, buf, sizeof(buf)) != 0)
		return json_null();
	return json_string(buf);
}

/* A CCCD's date of birth, DDMMYYYY, as an ISO date into OUT (as it is
 * when it is not 8 digits). */
static const char *
dob_iso(const char *dob, char *out, size_t size)
{
	size_t i;

	for (i = 0; i < 8 && dob[i] >= '0' && dob[i] <= '9'; i++)
		;
	if (i == 8 && dob[8] == '\0')
		snprintf(out, size, "%.4s-%.2s-%.2s", dob + 4, dob + 2, dob);
	else
		snprintf(out, size, "%s", dob);
	return out;
}

/* MS as ISO 8601 in UTC ("2026-11-16T01:20:00Z") into OUT. */
static const char *
utc_iso(int64_t ms, char *out, size_t size)
{
	time_t t = (time_t)(ms / 1000);
	struct tm tm;

	if (gmtime_r(&t, &tm) == NULL || strftime(out, size,
	    "%Y-%m-%dT%H:%M:%SZ", &tm) == 0)
		out[0] = '\0';
	return out;
}

/* E's opened fields as JSON, or NULL when there are none. */
static json_t *
personal(const struct trace_entry *e)
{
	json_t *p;

	const char *dob;
	char iso[32];

	if (e->personal == NULL)
		return e->personal_shut ? json_string(SHUT) : NULL;
	p = json_loads(e->personal, 0, NULL);
	if (p == NULL)
		return json_string(SHUT);
	/* The card's DDMMYYYY, and the date as anyone reads it. */
	dob = json_string_value(json_object_get(p, "dob"));
	if (dob != NULL)
		json_object_set_new(p, "date_of_birth",
		    json_string(dob_iso(dob, iso, sizeof(iso))));
	return p;
}

static json_t *
entry_json(const struct trace_entry *e)
{
	json_t *j = json_pack("{s:s, s:s, s:s, s:s, s:s, s:o, s:o, s:I, s:I, "
	    "s:b, s:s}", "subject", e->subject, "venue_id", e->venue_id,
	    "venue", e->venue, "address", e->address, "ward", e->ward, "in",
	    when(e->in_ms), "out", when(e->out_ms), "in_ms",
	    (json_int_t)e->in_ms, "out_ms", (json_int_t)e->out_ms,
	    "out_assumed", e->out_assumed, "source", e->source);
	json_t *p = personal(e);

	if (j == NULL) {
		json_decref(p);
		return NULL;
	}
	json_object_set_new(j, "clock", json_string(clock_name(e->clock)));
	if (e->clock == DB_CLOCK_REFILED)
		json_object_set_new(j, "kiosk_time", when(e->claimed_ms));
	if (p != NULL)
		json_object_set_new(j, "personal", p);
	if (e->sealed != NULL)
		json_object_set_new(j, "sealed", json_string(e->sealed));
	if (e->overlap_min >= 0) {
		json_object_set_new(j, "overlap_min",
		    json_integer((json_int_t)e->overlap_min));
		json_object_set_new(j, "contact_from_ms",
		    json_integer((json_int_t)e->contact_from_ms));
		if (e->via[0] != '\0')
			json_object_set_new(j, "via", json_string(e->via));
	}
	return j;
}

static json_t *
list_json(const struct trace_list *l)
{
	json_t *a = json_array();
	size_t i;

	for (i = 0; i < l->n && a != NULL; i++)
		json_array_append_new(a, entry_json(&l->v[i]));
	return a;
}

static int
print_json(FILE *f, const struct trace_result *r)
{
	const struct trace_opts *o = &r->opts;
	char who[96];
	json_t *j, *c, *p;
	int rc;

	snprintf(who, sizeof(who), "%s:%s", o->kind, o->subject);
	j = json_pack("{s:{s:s, s:o, s:o, s:i, s:I, s:I}, s:o, s:o, s:o}",
	    "case", "subject", who, "from", when(o->from_ms), "to",
	    when(o->to_ms), "depth", o->depth, "min_overlap_min",
	    (json_int_t)(o->min_overlap_ms / 60000), "default_stay_min",
	    (json_int_t)(o->default_stay_ms / 60000), "visits",
	    list_json(&r->visits), "f1", list_json(&r->f1), "f2",
	    list_json(&r->f2));
	if (j == NULL)
		return -1;
	/* Whether the answer is whole, and if not why: never a partial
	 * answer that looks like a whole one. */
	json_object_set_new(j, "complete", json_boolean(r->cut_short == NULL));
	if (r->read_known) {
		json_object_set_new(j, "read_from", json_string(
		    r->read_standby ? "standby" : "primary"));
		json_object_set_new(j, "replication_lag_ms",
		    json_integer((json_int_t)r->read_lag_ms));
	}
	if (r->cut_short != NULL)
		json_object_set_new(j, "cut_short",
		    json_string(r->cut_short));
	c = json_object_get(j, "case");
	if (r->opened && r->visits.n > 0 &&
	    (p = personal(&r->visits.v[0])) != NULL)
		json_object_set_new(c, "personal", p);
	rc = json_dumpf(j, f, JSON_COMPACT | JSON_PRESERVE_ORDER);
	json_decref(j);
	if (rc != 0)
		return -1;
	fputc('\n', f);
	return 0;
}

/* The opened field KEY of E, or "". Written into BUF. */
static const char *
field_of(const struct trace_entry *e, const char *key, char *buf,
    size_t size)
{
	json_t *p = e->personal ? json_loads(e->personal, 0, NULL) : NULL;
	const char *n = json_string_value(json_object_get(p, key));

	snprintf(buf, size, "%s", n != NULL ? n : "");
	json_decref(p);
	return buf;
}

static const char *
name_of(const struct trace_entry *e, char *buf, size_t size)
{
	return field_of(e, "name", buf, size);
}

#define CSV_COLUMNS 20

static int
csv_rows(FILE *f, const char *list, const struct trace_list *l)
{
	size_t i, c;

	for (i = 0; i < l->n; i++) {
		const struct trace_entry *e = &l->v[i];
		char ov[24] = "", in[40] = "", out[40] = "", name[256],
		    claimed[40] = "", dob[32], iso[32], home[320], in_u[32],
		    out_u[32];
		const char *cells[CSV_COLUMNS];
		int rc = 0;

		if (e->overlap_min >= 0)
			snprintf(ov, sizeof(ov), "%lld",
			    (long long)e->overlap_min);
		(void)ktime_format(e->in_ms, in, sizeof(in));
		(void)ktime_format(e->out_ms, out, sizeof(out));
		cells[0] = list;
		cells[1] = e->subject;
		cells[2] = name_of(e, name, sizeof(name));
		/* The way to reach them: a phone visit's number is its
		 * subject; an ID card carries none. */
		cells[3] = strncmp(e->subject, "phone:", 6) == 0 ?
		    e->subject + 6 : "";
		cells[4] = dob_iso(field_of(e, "dob", dob, sizeof(dob)), iso,
		    sizeof(iso));
		cells[5] = field_of(e, "address", home, sizeof(home));
		cells[6] = e->via;
		cells[7] = e->venue_id;
		cells[8] = e->venue;
		cells[9] = e->address;
		cells[10] = e->ward;
		cells[11] = in;
		cells[12] = out;
		cells[13] = utc_iso(e->in_ms, in_u, sizeof(in_u));
		cells[14] = utc_iso(e->out_ms, out_u, sizeof(out_u));
		cells[15] = e->out_assumed ? "assumed" : "checked out";
		cells[16] = ov;
		cells[17] = e->source;
		cells[18] = clock_name(e->clock);
		if (e->clock == DB_CLOCK_REFILED)
			(void)ktime_format(e->claimed_ms, claimed,
			    sizeof(claimed));
		cells[19] = claimed;
		for (c = 0; c < CSV_COLUMNS && rc == 0; c++)
			rc = csv_cell(f, cells[c], c == 0);
		sodium_memzero(name, sizeof(name));
		sodium_memzero(dob, sizeof(dob));
		sodium_memzero(iso, sizeof(iso));
		sodium_memzero(home, sizeof(home));
		if (rc != 0 || csv_end(f) != 0)
			return -1;
	}
	return 0;
}

/* TEXT padded to WIDTH columns as a terminal shows it (Vietnamese
 * letters take one column but two or three bytes). */
static void
padded(FILE *f, const char *text, int width)
{
	int w = u8_strwidth((const uint8_t *)text, "UTF-8");

	termtext_put(f, text);
	for (; w < width; w++)
		fputc(' ', f);
}

static void
table_rows(FILE *f, const char *title, const struct trace_list *l,
    int with_overlap)
{
	size_t i;

	fprintf(f, "\n%s (%zu)\n", title, l->n);
	for (i = 0; i < l->n; i++) {
		const struct trace_entry *e = &l->v[i];
		char in[40] = "", out[40] = "", name[256];

		(void)ktime_format(e->in_ms, in, sizeof(in));
		(void)ktime_format(e->out_ms, out, sizeof(out));
		fprintf(f, "  %-22s ", e->subject);
		padded(f, e->venue, 20);
		fprintf(f, " %s .. %s%s%s", in, out, e->out_assumed ?
		    " (assumed)" : "", e->clock != DB_CLOCK_OK ?
		    " (kiosk clock not trusted)" : "");
		if (with_overlap)
			fprintf(f, "  %lld min", (long long)e->overlap_min);
		if (e->via[0] != '\0')
			fprintf(f, "  via %s", e->via);
		if (*name_of(e, name, sizeof(name)) != '\0') {
			fputs("  [", f);
			termtext_put(f, name);
			fputc(']', f);
		}
		sodium_memzero(name, sizeof(name));
		fputc('\n', f);
	}
}

int
trace_print(FILE *f, const struct trace_result *r, const char *format)
{
	static const char *const head[CSV_COLUMNS] = { "list", "subject",
	    "name", "phone", "date_of_birth", "home_address", "via",
	    "venue_id", "venue", "address", "ward", "in", "out", "in_utc",
	    "out_utc", "checkout", "overlap_min", "source", "clock",
	    "kiosk_time" };
	const struct trace_opts *o = &r->opts;
	char from[40] = "", to[40] = "";
	size_t i;

	if (strcmp(format, "json") == 0) {
		if (print_json(f, r) != 0)
			return -1;
	} else if (strcmp(format, "csv") == 0) {
		if (csv_bom(f) != 0)
			return -1;
		for (i = 0; i < CSV_COLUMNS; i++)
			if (csv_cell(f, head[i], i == 0))
				return -1;
		if (csv_end(f) != 0 || csv_rows(f, "case", &r->visits) != 0 ||
		    csv_rows(f, "F1", &r->f1) != 0 ||
		    csv_rows(f, "F2", &r->f2) != 0)
			return -1;
		if (r->cut_short != NULL) {
			char note[160];

			snprintf(note, sizeof(note), "NOT COMPLETE: the trace "
			    "was cut short (%s)", r->cut_short);
			if (csv_cell(f, "note", 1) != 0 ||
			    csv_cell(f, note, 0) != 0 || csv_end(f) != 0)
				return -1;
		}
	} else if (strcmp(format, "table") == 0) {
		(void)ktime_format(o->from_ms, from, sizeof(from));
		(void)ktime_format(o->to_ms, to, sizeof(to));
		fprintf(f, "case %s:%s, %s .. %s, depth %d, overlap >= %lld "
		    "min, default stay %lld min\n", o->kind, o->subject, from,
		    to, o->depth, (long long)(o->min_overlap_ms / 60000),
		    (long long)(o->default_stay_ms / 60000));
		if (r->cut_short != NULL)
			fprintf(f, "NOT COMPLETE: the trace was cut short (%s); "
			    "what it found till then follows\n", r->cut_short);
		table_rows(f, "visits", &r->visits, 0);
		table_rows(f, "F1", &r->f1, 1);
		if (o->depth >= 2)
			table_rows(f, "F2", &r->f2, 1);
		if (r->cut_short != NULL)
			fprintf(f, "\nNOT COMPLETE: %s\n", r->cut_short);
	} else {
		return -1;
	}
	return ferror(f) ? -1 : 0;
}
