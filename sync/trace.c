/*
 * trace: case -> F1 -> F2. See trace.h and docs/trace.md.
 */
#include "trace.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>

#include <sodium.h>
#include <uniwidth.h>

#include "csv.h"
#include "ktime.h"
#include "log.h"
#include "payload.h"
#include "seal.h"

/* One visit as an interval; IN points into the rows it came from. */
struct ival {
	const struct db_visit *in;
	int64_t a, b;
	int assumed;		/* no check-out: a + default stay */
};

int
trace_subject(const char *text, char kind[16], char subject[64])
{
	static const char *const kinds[] = { "cccd", "pccovid", "pass",
	    "phone" };
	const char *colon = strchr(text, ':'), *id;
	size_t klen, i, n;
	int known = 0;

	if (colon == NULL)
		return -1;
	klen = (size_t)(colon - text);
	for (i = 0; i < 4; i++)
		if (strlen(kinds[i]) == klen &&
		    strncmp(text, kinds[i], klen) == 0)
			known = 1;
	id = colon + 1;
	n = strlen(id);
	if (!known || n == 0 || n >= 64)
		return -1;
	memcpy(kind, text, klen);
	kind[klen] = '\0';
	if (strcmp(kind, "phone") == 0) {
		struct payload p;
		enum reason why;

		if (payload_parse_phone(id, &p, &why) != 0)
			return -1;
		snprintf(subject, 64, "%s", p.id);
		sodium_memzero(&p, sizeof(p));
		return 0;
	}
	for (i = 0; i < n; i++)
		if (!isalnum((unsigned char)id[i]) && id[i] != '-' &&
		    id[i] != '_')
			return -1;
	if (strcmp(kind, "cccd") == 0 && n != 12)
		return -1;
	memcpy(subject, id, n + 1);
	return 0;
}

static int
same_person(const struct db_visit *x, const struct db_visit *y)
{
	return strcmp(x->subject, y->subject) == 0 &&
	    strcmp(x->kind, y->kind) == 0;
}

static int
by_person_time(const void *pa, const void *pb)
{
	const struct db_visit *x = *(const struct db_visit *const *)pa;
	const struct db_visit *y = *(const struct db_visit *const *)pb;
	int c;

	if ((c = strcmp(x->kind, y->kind)) != 0 ||
	    (c = strcmp(x->subject, y->subject)) != 0 ||
	    (c = strcmp(x->venue_id, y->venue_id)) != 0)
		return c;
	return (x->wall_ms > y->wall_ms) - (x->wall_ms < y->wall_ms);
}

/*
 * The intervals in rows V: each check-in to the same person's next row at
 * the same venue when that is a check-out within TRACE_MAX_STAY_MS; else
 * the default stay, cut short by their next check-in there. Returns how
 * many (in a new array *OUT), or -1.
 */
static ssize_t
intervals(const struct db_visit *v, size_t n, int64_t stay,
    struct ival **out)
{
	const struct db_visit **s;
	struct ival *iv;
	size_t i, k = 0;

	*out = NULL;
	if (n == 0)
		return 0;
	s = malloc(n * sizeof(*s));
	iv = malloc(n * sizeof(*iv));
	if (s == NULL || iv == NULL) {
		free(s);
		free(iv);
		return -1;
	}
	for (i = 0; i < n; i++)
		s[i] = &v[i];
	qsort(s, n, sizeof(*s), by_person_time);
	for (i = 0; i < n; i++) {
		const struct db_visit *next = i + 1 < n ? s[i + 1] : NULL;

		if (strcmp(s[i]->direction, "in") != 0)
			continue;
		if (next != NULL && (!same_person(s[i], next) ||
		    strcmp(next->venue_id, s[i]->venue_id) != 0))
			next = NULL;
		iv[k].in = s[i];
		iv[k].a = s[i]->wall_ms;
		if (next != NULL && strcmp(next->direction, "out") == 0 &&
		    next->wall_ms - s[i]->wall_ms <= TRACE_MAX_STAY_MS) {
			iv[k].b = next->wall_ms;
			iv[k].assumed = 0;
		} else {
			iv[k].b = s[i]->wall_ms + stay;
			iv[k].assumed = 1;
			if (next != NULL && next->wall_ms < iv[k].b)
				iv[k].b = next->wall_ms;
		}
		k++;
	}
	free(s);
	*out = iv;
	return (ssize_t)k;
}

static int64_t
overlap(int64_t a1, int64_t b1, int64_t a2, int64_t b2)
{
	int64_t a = a1 > a2 ? a1 : a2, b = b1 < b2 ? b1 : b2;

	return b > a ? b - a : 0;
}

static json_t *
when(int64_t ms)
{
	char buf[40];

	if (ktime_format(ms, buf, sizeof(buf)) != 0)
		return json_null();
	return json_string(buf);
}

static char *
subject_of(const struct db_visit *v, char *buf, size_t size)
{
	snprintf(buf, size, "%s:%s", v->kind, v->subject);
	return buf;
}

/* One visit of the result as JSON, its sealed fields opened if allowed. */
static json_t *
visit_json(const struct ival *iv, const struct trace_opts *o)
{
	char who[96];
	json_t *j = json_pack("{s:s, s:s, s:s, s:s, s:s, s:o, s:o, s:I, s:I, "
	    "s:b, s:s}", "subject", subject_of(iv->in, who, sizeof(who)),
	    "venue_id", iv->in->venue_id, "venue", iv->in->venue_name,
	    "address", iv->in->address, "ward", iv->in->ward, "in",
	    when(iv->a), "out", when(iv->b), "in_ms", (json_int_t)iv->a,
	    "out_ms", (json_int_t)iv->b, "out_assumed", iv->assumed,
	    "source", iv->in->source);

	if (j != NULL && o->authority != NULL && iv->in->sealed != NULL) {
		size_t len;
		char *text = seal_open(o->authority, iv->in->sealed,
		    iv->in->sealed_len, &len);
		json_t *personal = text ? json_loads(text, 0, NULL) : NULL;

		if (text != NULL) {
			sodium_memzero(text, len);
			free(text);
		}
		json_object_set_new(j, "personal", personal ? personal :
		    json_string("(could not be opened with this key)"));
	}
	return j;
}

/* A set of "kind:subject" strings: people already listed. */
struct seen {
	json_t *o;
};

static int
seen_has(struct seen *s, const struct db_visit *v)
{
	char who[96];

	return json_object_get(s->o, subject_of(v, who, sizeof(who))) != NULL;
}

static void
seen_add(struct seen *s, const struct db_visit *v)
{
	char who[96];

	json_object_set_new(s->o, subject_of(v, who, sizeof(who)), json_true());
}

/*
 * Everyone at IV's venue whose interval overlaps IV, from NOT_BEFORE on,
 * enough, except IV's own person and people in SKIP: appended to LIST as
 * JSON (with VIA when set). ADDED gets each new person. Returns 0 or -1.
 */
static int
contacts(struct db *d, const struct trace_opts *o, const struct ival *iv,
    int64_t not_before, struct seen *skip, const char *via, json_t *list,
    struct seen *added)
{
	int64_t from = iv->a > not_before ? iv->a : not_before;

	struct db_visit *rows;
	struct ival *ivs;
	size_t n, i;
	ssize_t k;

	if (db_visits_venue(d, iv->in->venue_id, iv->a - TRACE_MAX_STAY_MS,
	    iv->b + TRACE_MAX_STAY_MS, &rows, &n) != 0)
		return -1;
	k = intervals(rows, n, o->default_stay_ms, &ivs);
	if (k < 0) {
		db_visits_free(rows, n);
		return -1;
	}
	for (i = 0; i < (size_t)k; i++) {
		int64_t ov = overlap(from, iv->b, ivs[i].a, ivs[i].b);
		json_t *j;

		if (ov <= 0 || ov < o->min_overlap_ms ||
		    same_person(ivs[i].in, iv->in) || seen_has(skip, ivs[i].in))
			continue;
		if (added != NULL && seen_has(added, ivs[i].in))
			continue;
		j = visit_json(&ivs[i], o);
		json_object_set_new(j, "overlap_min",
		    json_integer((json_int_t)(ov / 60000)));
		json_object_set_new(j, "contact_from_ms", json_integer(
		    (json_int_t)(from > ivs[i].a ? from : ivs[i].a)));
		if (via != NULL)
			json_object_set_new(j, "via", json_string(via));
		json_array_append_new(list, j);
		if (added != NULL)
			seen_add(added, ivs[i].in);
	}
	free(ivs);
	db_visits_free(rows, n);
	return 0;
}

/* A person's intervals touching [from, to). */
static ssize_t
person(struct db *d, const char *kind, const char *subject, int64_t from,
    int64_t to, const struct trace_opts *o, struct db_visit **rows,
    size_t *n, struct ival **out)
{
	struct ival *iv;
	ssize_t k, i, m = 0;

	if (db_visits_subject(d, kind, subject, from - TRACE_MAX_STAY_MS,
	    to + TRACE_MAX_STAY_MS, rows, n) != 0)
		return -1;
	k = intervals(*rows, *n, o->default_stay_ms, &iv);
	if (k < 0) {
		db_visits_free(*rows, *n);
		return -1;
	}
	for (i = 0; i < k; i++)
		if (iv[i].b > from && iv[i].a < to)
			iv[m++] = iv[i];
	*out = iv;
	return m;
}

static int
by_in(const void *pa, const void *pb)
{
	const struct ival *x = pa, *y = pb;

	return (x->a > y->a) - (x->a < y->a);
}

json_t *
trace_run(struct db *d, const struct trace_opts *o)
{
	json_t *r, *visits, *f1, *f2;
	struct seen listed = { json_object() }, f1set = { json_object() };
	struct db_visit *rows = NULL;
	struct ival *iv = NULL;
	size_t n = 0, i;
	ssize_t k;
	char who[96];
	int ok = 0;

	visits = json_array();
	f1 = json_array();
	f2 = json_array();
	snprintf(who, sizeof(who), "%s:%s", o->kind, o->subject);
	r = json_pack("{s:{s:s, s:o, s:o, s:i, s:I, s:I}, s:o, s:o, s:o}",
	    "case", "subject", who, "from", when(o->from_ms), "to",
	    when(o->to_ms), "depth", o->depth, "min_overlap_min",
	    (json_int_t)(o->min_overlap_ms / 60000), "default_stay_min",
	    (json_int_t)(o->default_stay_ms / 60000), "visits", visits, "f1",
	    f1, "f2", f2);
	json_object_set_new(listed.o, who, json_true());

	k = person(d, o->kind, o->subject, o->from_ms, o->to_ms, o, &rows, &n,
	    &iv);
	if (k < 0)
		goto out;
	if (k > 1)
		qsort(iv, (size_t)k, sizeof(*iv), by_in);
	for (i = 0; i < (size_t)k; i++)
		json_array_append_new(visits, visit_json(&iv[i], o));
	if (k > 0 && o->authority != NULL)
		json_object_set(json_object_get(r, "case"), "personal",
		    json_object_get(json_array_get(visits, 0), "personal"));
	for (i = 0; i < (size_t)k; i++)
		if (contacts(d, o, &iv[i], INT64_MIN, &listed, NULL, f1,
		    NULL) != 0)
			goto out;
	/* Every F1 is listed before any F2 is looked for. */
	for (i = 0; i < json_array_size(f1); i++)
		json_object_set_new(listed.o, json_string_value(json_object_get(
		    json_array_get(f1, i), "subject")), json_true());

	if (o->depth >= 2) {
		for (i = 0; i < json_array_size(f1); i++) {
			json_t *c = json_array_get(f1, i);
			const char *s = json_string_value(json_object_get(c,
			    "subject"));
			char ck[16], cs[64];
			struct db_visit *prow;
			struct ival *piv;
			size_t pn, j;
			ssize_t pk;
			int64_t from;

			/* Each F1 once, from their earliest contact. */
			if (json_object_get(f1set.o, s) != NULL ||
			    sscanf(s, "%15[^:]:%63s", ck, cs) != 2)
				continue;
			json_object_set_new(f1set.o, s, json_true());
			/* From the contact on. */
			from = json_integer_value(json_object_get(c,
			    "contact_from_ms"));
			pk = person(d, ck, cs, from, o->to_ms, o, &prow, &pn,
			    &piv);
			if (pk < 0)
				goto out;
			for (j = 0; j < (size_t)pk; j++)
				if (contacts(d, o, &piv[j], from, &listed, s,
				    f2, &listed) != 0) {
					free(piv);
					db_visits_free(prow, pn);
					goto out;
				}
			free(piv);
			db_visits_free(prow, pn);
		}
	}
	ok = 1;
out:
	free(iv);
	db_visits_free(rows, n);
	json_decref(listed.o);
	json_decref(f1set.o);
	if (!ok) {
		json_decref(r);
		return NULL;
	}
	return r;
}

int64_t
trace_count(const json_t *r)
{
	return (int64_t)(json_array_size(json_object_get(r, "f1")) +
	    json_array_size(json_object_get(r, "f2")));
}

static const char *
str(const json_t *o, const char *key)
{
	const char *s = json_string_value(json_object_get(o, key));

	return s != NULL ? s : "";
}

static const char *
name_of(const json_t *o)
{
	return str(json_object_get(o, "personal"), "name");
}

static int
csv_rows(FILE *f, const char *list, const json_t *a)
{
	size_t i;
	json_t *v;

	json_array_foreach(a, i, v) {
		char ov[24] = "";
		const char *cells[12];
		size_t c;
		int rc = 0;

		if (json_object_get(v, "overlap_min") != NULL)
			snprintf(ov, sizeof(ov), "%lld", (long long)
			    json_integer_value(json_object_get(v,
			    "overlap_min")));
		cells[0] = list;
		cells[1] = str(v, "subject");
		cells[2] = name_of(v);
		cells[3] = str(v, "via");
		cells[4] = str(v, "venue_id");
		cells[5] = str(v, "venue");
		cells[6] = str(v, "address");
		cells[7] = str(v, "in");
		cells[8] = str(v, "out");
		cells[9] = json_is_true(json_object_get(v, "out_assumed")) ?
		    "assumed" : "checked out";
		cells[10] = ov;
		cells[11] = str(v, "source");
		for (c = 0; c < 12 && rc == 0; c++)
			rc = csv_cell(f, cells[c], c == 0);
		if (rc != 0 || csv_end(f) != 0)
			return -1;
	}
	return 0;
}

/* TEXT for a terminal: control bytes (an escape sequence in a name a
 * rogue kiosk sealed) shown as '?'. */
static void
safe(FILE *f, const char *text)
{
	for (; *text != '\0'; text++)
		fputc((unsigned char)*text < 0x20 || *text == 0x7f ? '?' : *text,
		    f);
}

/* TEXT padded to WIDTH columns as a terminal shows it (Vietnamese
 * letters take one column but two or three bytes). */
static void
padded(FILE *f, const char *text, int width)
{
	int w = u8_strwidth((const uint8_t *)text, "UTF-8");

	safe(f, text);
	for (; w < width; w++)
		fputc(' ', f);
}

static void
table_rows(FILE *f, const char *title, const json_t *a, int with_overlap)
{
	size_t i;
	json_t *v;

	fprintf(f, "\n%s (%zu)\n", title, json_array_size(a));
	json_array_foreach(a, i, v) {
		fprintf(f, "  %-22s ", str(v, "subject"));
		padded(f, str(v, "venue"), 20);
		fprintf(f, " %s .. %s%s", str(v, "in"), str(v, "out"),
		    json_is_true(json_object_get(v, "out_assumed")) ?
		    " (assumed)" : "");
		if (with_overlap)
			fprintf(f, "  %lld min", (long long)json_integer_value(
			    json_object_get(v, "overlap_min")));
		if (*str(v, "via") != '\0')
			fprintf(f, "  via %s", str(v, "via"));
		if (*name_of(v) != '\0') {
			fputs("  [", f);
			safe(f, name_of(v));
			fputc(']', f);
		}
		fputc('\n', f);
	}
}

int
trace_print(FILE *f, const json_t *r, const char *format)
{
	const json_t *c = json_object_get(r, "case");

	if (strcmp(format, "json") == 0) {
		if (json_dumpf(r, f, JSON_COMPACT | JSON_PRESERVE_ORDER) != 0)
			return -1;
		fputc('\n', f);
	} else if (strcmp(format, "csv") == 0) {
		static const char *const head[] = { "list", "subject", "name",
		    "via", "venue_id", "venue", "address", "in", "out",
		    "checkout", "overlap_min", "source" };
		size_t i;

		if (csv_bom(f) != 0)
			return -1;
		for (i = 0; i < 12; i++)
			if (csv_cell(f, head[i], i == 0))
				return -1;
		if (csv_end(f) != 0 ||
		    csv_rows(f, "case", json_object_get(r, "visits")) != 0 ||
		    csv_rows(f, "F1", json_object_get(r, "f1")) != 0 ||
		    csv_rows(f, "F2", json_object_get(r, "f2")) != 0)
			return -1;
	} else if (strcmp(format, "table") == 0) {
		fprintf(f, "case %s, %s .. %s, depth %lld, overlap >= %lld min, "
		    "default stay %lld min\n", str(c, "subject"), str(c, "from"),
		    str(c, "to"), (long long)json_integer_value(json_object_get(
		    c, "depth")), (long long)json_integer_value(
		    json_object_get(c, "min_overlap_min")), (long long)
		    json_integer_value(json_object_get(c, "default_stay_min")));
		table_rows(f, "visits", json_object_get(r, "visits"), 0);
		table_rows(f, "F1", json_object_get(r, "f1"), 1);
		if (json_integer_value(json_object_get(c, "depth")) >= 2)
			table_rows(f, "F2", json_object_get(r, "f2"), 1);
	} else {
		return -1;
	}
	return ferror(f) ? -1 : 0;
}
