/*
 * trace_print: a trace's answer for a person (table), a program (JSON) or
 * a spreadsheet (CSV). See trace.h.
 */
#include "trace.h"

#include <stdlib.h>
#include <string.h>

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

/* E's opened fields as JSON, or NULL when there are none. */
static json_t *
personal(const struct trace_entry *e)
{
	json_t *p;

	if (e->personal == NULL)
		return e->personal_shut ? json_string(SHUT) : NULL;
	p = json_loads(e->personal, 0, NULL);
	return p != NULL ? p : json_string(SHUT);
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

/* The name in E's opened fields, or "". Written into BUF. */
static const char *
name_of(const struct trace_entry *e, char *buf, size_t size)
{
	json_t *p = e->personal ? json_loads(e->personal, 0, NULL) : NULL;
	const char *n = json_string_value(json_object_get(p, "name"));

	snprintf(buf, size, "%s", n != NULL ? n : "");
	json_decref(p);
	return buf;
}

static int
csv_rows(FILE *f, const char *list, const struct trace_list *l)
{
	size_t i, c;

	for (i = 0; i < l->n; i++) {
		const struct trace_entry *e = &l->v[i];
		char ov[24] = "", in[40] = "", out[40] = "", name[256],
		    claimed[40] = "";
		const char *cells[14];
		int rc = 0;

		if (e->overlap_min >= 0)
			snprintf(ov, sizeof(ov), "%lld",
			    (long long)e->overlap_min);
		(void)ktime_format(e->in_ms, in, sizeof(in));
		(void)ktime_format(e->out_ms, out, sizeof(out));
		cells[0] = list;
		cells[1] = e->subject;
		cells[2] = name_of(e, name, sizeof(name));
		cells[3] = e->via;
		cells[4] = e->venue_id;
		cells[5] = e->venue;
		cells[6] = e->address;
		cells[7] = in;
		cells[8] = out;
		cells[9] = e->out_assumed ? "assumed" : "checked out";
		cells[10] = ov;
		cells[11] = e->source;
		cells[12] = clock_name(e->clock);
		if (e->clock == DB_CLOCK_REFILED)
			(void)ktime_format(e->claimed_ms, claimed,
			    sizeof(claimed));
		cells[13] = claimed;
		for (c = 0; c < 14 && rc == 0; c++)
			rc = csv_cell(f, cells[c], c == 0);
		sodium_memzero(name, sizeof(name));
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
	static const char *const head[] = { "list", "subject", "name", "via",
	    "venue_id", "venue", "address", "in", "out", "checkout",
	    "overlap_min", "source", "clock", "kiosk_time" };
	const struct trace_opts *o = &r->opts;
	char from[40] = "", to[40] = "";
	size_t i;

	if (strcmp(format, "json") == 0) {
		if (print_json(f, r) != 0)
			return -1;
	} else if (strcmp(format, "csv") == 0) {
		if (csv_bom(f) != 0)
			return -1;
		for (i = 0; i < 14; i++)
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
