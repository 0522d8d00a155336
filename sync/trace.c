/*
 * trace: case -> F1 -> F2. See trace.h and docs/trace.md; the answer is
 * written out by trace_print.c.
 */
#include "trace.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>

#include <sodium.h>

#include "dynbuf.h"
#include "ktime.h"
#include "log.h"
#include "termtext.h"
#include "parsenum.h"
#include "payload.h"
#include "seal.h"

#define MIN_MS INT64_C(60000)
#define DAY_MS INT64_C(86400000)
#define LIST_MAX (8u * 1024 * 1024)

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

/* How many spaces TEXT holds: a reason of spaces is no reason. */
static size_t
count_spaces(const char *text)
{
	size_t n = 0;

	for (; *text != '\0'; text++)
		n += *text == ' ' || *text == '\t';
	return n;
}

int
trace_opts_from(struct trace_opts *o, const struct trace_args *a,
    int64_t now_ms, const char **why)
{
	int64_t v;

	memset(o, 0, sizeof(*o));
	o->depth = 1;
	o->min_overlap_ms = TRACE_DEFAULT_MIN_OVERLAP * MIN_MS;
	o->default_stay_ms = TRACE_DEFAULT_STAY_MIN * MIN_MS;
	if (a->subject == NULL || trace_subject(a->subject, o->kind,
	    o->subject) != 0) {
		*why = "the case is not KIND:ID (cccd:<12 digits>, "
		    "phone:<number>, pccovid:ID, pass:ID)";
		return -1;
	}
	/* Every trace says why: the audit log keeps it with who asked. */
	if (a->reason == NULL || strlen(a->reason) > TRACE_REASON_MAX ||
	    !termtext_plain(a->reason) ||
	    strlen(a->reason) - count_spaces(a->reason) < TRACE_REASON_MIN) {
		*why = "a trace needs its reason or the case's reference "
		    "(--reason, reason=): 3 to 200 characters of text, kept in "
		    "the audit log";
		return -1;
	}
	snprintf(o->reason, sizeof(o->reason), "%s", a->reason);
	if (a->depth != NULL) {
		if (parsenum(a->depth, 1, 2, &v) != 0) {
			*why = "depth must be 1 (F1) or 2 (F1 and F2)";
			return -1;
		}
		o->depth = (int)v;
	}
	if (a->min_overlap != NULL) {
		if (parsenum(a->min_overlap, 0, 24 * 60, &v) != 0) {
			*why = "the minimum overlap must be 0 to 1440 minutes";
			return -1;
		}
		o->min_overlap_ms = v * MIN_MS;
	}
	if (a->default_stay != NULL) {
		if (parsenum(a->default_stay, 1, 12 * 60, &v) != 0) {
			*why = "the default stay must be 1 to 720 minutes";
			return -1;
		}
		o->default_stay_ms = v * MIN_MS;
	}
	o->to_ms = now_ms;
	if (a->to != NULL && ktime_parse(a->to, &o->to_ms) != 0) {
		*why = "'to' is not a time (2026-11-22, 2026-11-22T08:30, or "
		    "Unix seconds)";
		return -1;
	}
	o->from_ms = o->to_ms - TRACE_DEFAULT_DAYS * DAY_MS;
	if (a->from != NULL && ktime_parse(a->from, &o->from_ms) != 0) {
		*why = "'from' is not a time (2026-11-22, 2026-11-22T08:30, "
		    "or Unix seconds)";
		return -1;
	}
	if (o->from_ms >= o->to_ms) {
		*why = "'from' must come before 'to'";
		return -1;
	}
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

/* ---- a set of people: "kind:subject" strings, hashed ---- */

struct seen {
	char **slot;
	size_t n, cap;		/* cap: a power of two */
};

static uint64_t
fnv(const char *s)
{
	uint64_t h = 1469598103934665603ULL;

	for (; *s != '\0'; s++)
		h = (h ^ (unsigned char)*s) * 1099511628211ULL;
	return h;
}

static char **
seen_find(struct seen *s, const char *who)
{
	size_t i = (size_t)fnv(who) & (s->cap - 1);

	while (s->slot[i] != NULL && strcmp(s->slot[i], who) != 0)
		i = (i + 1) & (s->cap - 1);
	return &s->slot[i];
}

static int
seen_has(struct seen *s, const char *who)
{
	return s->cap > 0 && *seen_find(s, who) != NULL;
}

/* Add WHO; 0, or -1 when out of memory. */
static int
seen_add(struct seen *s, const char *who)
{
	char **p;

	if (2 * (s->n + 1) > s->cap) {
		struct seen g = { NULL, 0, s->cap ? 2 * s->cap : 64 };
		size_t i;

		g.slot = calloc(g.cap, sizeof(*g.slot));
		if (g.slot == NULL)
			return -1;
		for (i = 0; i < s->cap; i++)
			if (s->slot[i] != NULL)
				*seen_find(&g, s->slot[i]) = s->slot[i];
		free(s->slot);
		s->slot = g.slot;
		s->cap = g.cap;
	}
	p = seen_find(s, who);
	if (*p != NULL)
		return 0;
	if ((*p = strdup(who)) == NULL)
		return -1;
	s->n++;
	return 0;
}

static void
seen_release(struct seen *s)
{
	size_t i;

	for (i = 0; i < s->cap; i++)
		free(s->slot[i]);
	free(s->slot);
	memset(s, 0, sizeof(*s));
}

/* ---- the answer ---- */

static void
who_of(const struct db_visit *v, char out[96])
{
	snprintf(out, 96, "%s:%s", v->kind, v->subject);
}

/* Append IV to L, its sealed fields opened if allowed. NULL: no memory. */
static struct trace_entry *
list_add(struct trace_list *l, const struct ival *iv,
    const struct trace_opts *o)
{
	const struct db_visit *in = iv->in;
	struct trace_entry *e;

	if (dynbuf_grow(&l->v, &l->cap, l->n + 1, sizeof(*l->v),
	    LIST_MAX) != 0)
		return NULL;
	e = &l->v[l->n++];
	memset(e, 0, sizeof(*e));
	who_of(in, e->subject);
	snprintf(e->venue_id, sizeof(e->venue_id), "%s", in->venue_id);
	snprintf(e->venue, sizeof(e->venue), "%s", in->venue_name);
	snprintf(e->address, sizeof(e->address), "%s", in->address);
	snprintf(e->ward, sizeof(e->ward), "%s", in->ward);
	snprintf(e->source, sizeof(e->source), "%s", in->source);
	e->in_ms = iv->a;
	e->out_ms = iv->b;
	e->clock = in->clock;
	e->claimed_ms = in->claimed_ms;
	e->out_assumed = iv->assumed;
	e->overlap_min = -1;
	if (o->authority != NULL && in->sealed != NULL) {
		size_t len;

		e->personal = seal_open(o->authority, in->sealed,
		    in->sealed_len, &len);
		e->personal_shut = e->personal == NULL;
	}
	if (o->give_sealed && in->sealed != NULL) {
		size_t b = sodium_base64_encoded_len(in->sealed_len,
		    sodium_base64_VARIANT_ORIGINAL);

		e->sealed = malloc(b);
		if (e->sealed == NULL)
			return NULL;
		sodium_bin2base64(e->sealed, b, in->sealed, in->sealed_len,
		    sodium_base64_VARIANT_ORIGINAL);
	}
	return e;
}

static void
list_release(struct trace_list *l)
{
	size_t i;

	for (i = 0; i < l->n; i++)
		if (l->v[i].personal != NULL) {
			sodium_memzero(l->v[i].personal,
			    strlen(l->v[i].personal));
			free(l->v[i].personal);
		}
	for (i = 0; i < l->n; i++)
		free(l->v[i].sealed);
	free(l->v);
	memset(l, 0, sizeof(*l));
}

/* ---- one trace's work: its budget and the venues it has read ---- */

/* A venue's visits over a window, as intervals sorted by start. */
struct venue_rows {
	char venue_id[65];
	int64_t from, to;		/* the window read */
	struct db_visit *rows;
	size_t n;
	struct ival *iv;		/* by start */
	size_t k;
	int64_t longest;		/* the longest interval */
	uint64_t used;			/* for forgetting the least used */
};

struct run {
	struct db *d;
	const struct trace_opts *o;
	struct trace_result *r;
	struct db_budget budget;
	struct venue_rows *cache;
	size_t ncache, cache_cap, cached_rows;
	uint64_t clock;
	size_t max_contacts;
};

/* Venue rows kept at once, over every venue; past it the least used go. */
#define CACHE_ROWS_MAX ((size_t)DB_ROWS_MAX * 2)

static int
by_start(const void *pa, const void *pb)
{
	const struct ival *x = pa, *y = pb;

	return (x->a > y->a) - (x->a < y->a);
}

static void
venue_release(struct venue_rows *v)
{
	free(v->iv);
	db_visits_free(v->rows, v->n);
	memset(v, 0, sizeof(*v));
}

/*
 * Must the trace stop? Its time spent, its client gone, a store answer
 * cut, or enough contacts found: the answer then says why (cut_short).
 */
static int
stop(struct run *u)
{
	if (u->r->cut_short != NULL)
		return 1;
	if (db_budget_over() || u->budget.spent)
		u->r->cut_short = u->o->gone != NULL &&
		    u->o->gone(u->o->gone_ctx) ? "the client went away" :
		    "its time budget was spent";
	else if (u->budget.truncated)
		u->r->cut_short = "a venue had more visits than one answer "
		    "holds";
	else if (u->r->f1.n + u->r->f2.n >= u->max_contacts)
		u->r->cut_short = "it found the most contacts one answer holds";
	return u->r->cut_short != NULL;
}

/* VENUE's intervals covering [FROM, TO), read once per window. */
static struct venue_rows *
venue_of(struct run *u, const char *venue, int64_t from, int64_t to)
{
	struct venue_rows *v = NULL, nv;
	ssize_t k;
	size_t i, lru;

	for (i = 0; i < u->ncache; i++)
		if (strcmp(u->cache[i].venue_id, venue) == 0) {
			v = &u->cache[i];
			if (v->from <= from && v->to >= to) {
				v->used = ++u->clock;
				return v;
			}
		}
	/* Read a day either side: the next intervals asked for there are
	 * most likely near this one. */
	memset(&nv, 0, sizeof(nv));
	snprintf(nv.venue_id, sizeof(nv.venue_id), "%s", venue);
	nv.from = from - DAY_MS;
	nv.to = to + DAY_MS;
	if (db_visits_venue(u->d, venue, nv.from, nv.to, &nv.rows,
	    &nv.n) != 0)
		return NULL;
	k = intervals(nv.rows, nv.n, u->o->default_stay_ms, &nv.iv);
	if (k < 0) {
		venue_release(&nv);
		return NULL;
	}
	nv.k = (size_t)k;
	qsort(nv.iv, nv.k, sizeof(*nv.iv), by_start);
	for (i = 0; i < nv.k; i++)
		if (nv.iv[i].b - nv.iv[i].a > nv.longest)
			nv.longest = nv.iv[i].b - nv.iv[i].a;
	nv.used = ++u->clock;
	if (v != NULL) {
		u->cached_rows -= v->n;
		venue_release(v);
	} else {
		/* Room: forget the least used while too much is kept. */
		while (u->ncache > 0 && u->cached_rows + nv.n >
		    CACHE_ROWS_MAX) {
			for (i = lru = 0; i < u->ncache; i++)
				if (u->cache[i].used < u->cache[lru].used)
					lru = i;
			u->cached_rows -= u->cache[lru].n;
			venue_release(&u->cache[lru]);
			u->cache[lru] = u->cache[--u->ncache];
		}
		if (dynbuf_grow(&u->cache, &u->cache_cap, u->ncache + 1,
		    sizeof(*u->cache), 1u << 20) != 0) {
			venue_release(&nv);
			return NULL;
		}
		v = &u->cache[u->ncache++];
	}
	*v = nv;
	u->cached_rows += v->n;
	return v;
}

static void
cache_release(struct run *u)
{
	size_t i;

	for (i = 0; i < u->ncache; i++)
		venue_release(&u->cache[i]);
	free(u->cache);
	u->cache = NULL;
	u->ncache = u->cache_cap = 0;
}

/*
 * Everyone at IV's venue whose interval overlaps IV, from NOT_BEFORE on,
 * enough, except IV's own person and people in SKIP: appended to LIST
 * (with VIA when set). ADDED gets each new person. Returns 0 (also when
 * the trace must stop: see stop) or -1.
 */
static int
contacts(struct run *u, const struct ival *iv, int64_t not_before,
    struct seen *skip, const char *via, struct trace_list *list,
    struct seen *added)
{
	const struct trace_opts *o = u->o;
	int64_t from = iv->a > not_before ? iv->a : not_before;
	struct venue_rows *v;
	struct trace_entry *e;
	char who[96];
	size_t lo, hi, i;

	if (stop(u))
		return 0;
	v = venue_of(u, iv->in->venue_id, iv->a, iv->b);
	if (v == NULL)
		return stop(u) ? 0 : -1;
	/* The first interval that can reach FROM: one that starts at or
	 * before FROM - longest ends by FROM. */
	for (lo = 0, hi = v->k; lo < hi; ) {
		size_t mid = lo + (hi - lo) / 2;

		if (v->iv[mid].a <= from - v->longest)
			lo = mid + 1;
		else
			hi = mid;
	}
	for (i = lo; i < v->k && v->iv[i].a < iv->b; i++) {
		struct ival *c = &v->iv[i];
		int64_t ov = overlap(from, iv->b, c->a, c->b);

		if ((i & 1023) == 0 && stop(u))
			return 0;
		if (ov <= 0 || ov < o->min_overlap_ms ||
		    same_person(c->in, iv->in))
			continue;
		who_of(c->in, who);
		if (seen_has(skip, who) || (added != NULL &&
		    seen_has(added, who)))
			continue;
		if ((o->authority != NULL || o->give_sealed) &&
		    c->in->sealed == NULL &&
		    db_visits_sealed(u->d, (struct db_visit *)(uintptr_t)
		    c->in) != 0)
			return stop(u) ? 0 : -1;
		e = list_add(list, c, o);
		if (e == NULL)
			return -1;
		e->overlap_min = ov / MIN_MS;
		e->contact_from_ms = from > c->a ? from : c->a;
		if (via != NULL)
			snprintf(e->via, sizeof(e->via), "%s", via);
		if (added != NULL && seen_add(added, who) != 0)
			return -1;
		if (stop(u))
			return 0;
	}
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

/* F2: each F1's contacts from their (earliest) meeting with the case on. */
static int
second_ring(struct run *u, struct seen *listed)
{
	struct trace_result *r = u->r;
	struct seen done = { NULL, 0, 0 };
	size_t i, j;
	int rc = 0;

	for (i = 0; i < r->f1.n && rc == 0 && !stop(u); i++) {
		char ck[16], cs[64], via[96];
		struct db_visit *prow;
		struct ival *piv;
		size_t pn;
		ssize_t pk;
		int64_t from = r->f1.v[i].contact_from_ms;

		snprintf(via, sizeof(via), "%s", r->f1.v[i].subject);
		if (seen_has(&done, via) ||
		    sscanf(via, "%15[^:]:%63s", ck, cs) != 2)
			continue;
		if (seen_add(&done, via) != 0) {
			rc = -1;
			break;
		}
		pk = person(u->d, ck, cs, from, u->o->to_ms, u->o, &prow, &pn,
		    &piv);
		if (pk < 0) {
			rc = stop(u) ? 0 : -1;
			break;
		}
		for (j = 0; j < (size_t)pk && rc == 0; j++)
			rc = contacts(u, &piv[j], from, listed, via, &r->f2,
			    listed);
		free(piv);
		db_visits_free(prow, pn);
	}
	seen_release(&done);
	return rc;
}

int
trace_run(struct db *d, const struct trace_opts *o, struct trace_result *r)
{
	struct seen listed = { NULL, 0, 0 };
	struct db_visit *rows = NULL;
	struct ival *iv = NULL;
	struct run u;
	size_t n = 0, i;
	ssize_t k;
	char who[96];
	int rc = -1;

	memset(r, 0, sizeof(*r));
	r->opts = *o;
	r->opts.authority = NULL;
	r->opts.gone = NULL;
	r->opts.gone_ctx = NULL;
	r->opened = o->authority != NULL;
	memset(&u, 0, sizeof(u));
	u.d = d;
	u.o = o;
	u.r = r;
	u.max_contacts = o->max_contacts > 0 ? o->max_contacts :
	    TRACE_MAX_CONTACTS;
	u.budget.deadline_ms = ktime_mono_ms() + (o->budget_ms > 0 ?
	    o->budget_ms : TRACE_BUDGET_MS);
	u.budget.gone = o->gone;
	u.budget.ctx = o->gone_ctx;
	db_budget_set(&u.budget);
	snprintf(who, sizeof(who), "%s:%s", o->kind, o->subject);
	if (seen_add(&listed, who) != 0)
		goto out;
	/* The case's own visits are the answer's ground: without them
	 * there is none, cut short or not. */
	k = person(d, o->kind, o->subject, o->from_ms, o->to_ms, o, &rows, &n,
	    &iv);
	if (k < 0) {
		(void)stop(&u);
		goto out;
	}
	if (k > 1)
		qsort(iv, (size_t)k, sizeof(*iv), by_start);
	for (i = 0; i < (size_t)k; i++)
		if (list_add(&r->visits, &iv[i], o) == NULL)
			goto out;
	for (i = 0; i < (size_t)k; i++)
		if (contacts(&u, &iv[i], INT64_MIN, &listed, NULL, &r->f1,
		    NULL) != 0)
			goto out;
	/* Every F1 is listed before any F2 is looked for. */
	for (i = 0; i < r->f1.n; i++)
		if (seen_add(&listed, r->f1.v[i].subject) != 0)
			goto out;
	if (o->depth >= 2 && second_ring(&u, &listed) != 0)
		goto out;
	rc = 0;
out:
	db_budget_set(NULL);
	cache_release(&u);
	free(iv);
	db_visits_free(rows, n);
	seen_release(&listed);
	if (rc != 0) {
		if (r->cut_short != NULL)
			log_warn("trace of %s:%s stopped before it could "
			    "answer: %s", o->kind, o->subject, r->cut_short);
		trace_result_release(r);
	}
	return rc;
}

void
trace_result_release(struct trace_result *r)
{
	list_release(&r->visits);
	list_release(&r->f1);
	list_release(&r->f2);
}

int64_t
trace_count(const struct trace_result *r)
{
	return (int64_t)(r->f1.n + r->f2.n);
}
