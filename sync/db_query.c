/*
 * db_query: what tracers and patrols read from the collector's store
 * (db.h), written once for every backend: a person's or a venue's
 * visits, the ward's devices and their last heartbeat, counts, heartbeat
 * times, inspections, the audit log and the store's statistics.
 */
#include "db_impl.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dynbuf.h"
#include "log.h"
#include "wardname.h"

/* Arrays read from the store: at most this many rows of any one query. */
#define ROWS_MAX (16u * 1024 * 1024)
/* A venue's kiosks asked about in one statement. */
#define VENUE_DEVICES_MAX 64

static void
copy(char *dst, size_t size, const char *src)
{
	snprintf(dst, size, "%s", src);
}

#define COPY_TEXT(dst, r, col) copy((dst), sizeof(dst), db_text((r), (col)))

/* ---- visits ---- */

static int
by_wall(const void *a, const void *b)
{
	const struct db_visit *x = a, *y = b;

	return (x->wall_ms > y->wall_ms) - (x->wall_ms < y->wall_ms);
}

struct visits {
	struct db_visit *v;
	size_t n, cap;
};

static int
visit_row(void *ctx, const struct db_row *r)
{
	struct visits *vs = ctx;
	struct db_visit *v;
	const unsigned char *sealed;
	size_t len;

	if (dynbuf_grow(&vs->v, &vs->cap, vs->n + 1, sizeof(*vs->v),
	    ROWS_MAX) != 0)
		return -1;
	v = &vs->v[vs->n++];
	memset(v, 0, sizeof(*v));
	COPY_TEXT(v->device_id, r, 0);
	COPY_TEXT(v->venue_id, r, 1);
	COPY_TEXT(v->venue_name, r, 2);
	COPY_TEXT(v->address, r, 3);
	COPY_TEXT(v->ward, r, 4);
	COPY_TEXT(v->kind, r, 5);
	COPY_TEXT(v->subject, r, 6);
	COPY_TEXT(v->direction, r, 7);
	COPY_TEXT(v->source, r, 8);
	v->wall_ms = db_int(r, 9);
	v->clock = (int)db_int(r, 11);
	v->claimed_ms = db_int(r, 12);
	sealed = db_blob(r, 10, &len);
	if (sealed != NULL && len > 0) {
		v->sealed = malloc(len);
		if (v->sealed == NULL)
			return -1;
		memcpy(v->sealed, sealed, len);
		v->sealed_len = len;
	}
	return 0;
}

#define VISIT_COLUMNS_BUT_SEALED "SELECT v.device_id, d.venue_id, " \
	"d.venue_name, coalesce(d.address, ''), coalesce(d.ward, ''), v.kind, " \
	"v.subject, v.direction, v.source, v.wall_ms, "
#define VISIT_COLUMNS VISIT_COLUMNS_BUT_SEALED "v.sealed, v.clock, " \
	"coalesce(v.claimed_ms, 0) "
#define VISIT_COLUMNS_UNSEALED VISIT_COLUMNS_BUT_SEALED "NULL, v.clock, " \
	"coalesce(v.claimed_ms, 0) "

/* SQL (with LIMIT DB_ROWS_MAX + 1 appended) into a new array: past
 * DB_ROWS_MAX rows the answer is cut there and the budget told. */
static int
visits(struct db *d, const char *sql, const struct db_arg *a, size_t na,
    struct db_visit **out, size_t *n)
{
	struct visits vs = { NULL, 0, 0 };
	char limited[4096];

	*out = NULL;
	*n = 0;
	snprintf(limited, sizeof(limited), "%s LIMIT %d", sql, DB_ROWS_MAX + 1);
	if (db_one(d, DB_TX_ONE_READ, limited, a, na, visit_row, &vs) < 0) {
		db_visits_free(vs.v, vs.n);
		return -1;
	}
	if (vs.n > DB_ROWS_MAX) {
		log_warn("collector db: a query found more than %d visits; the "
		    "first %d are used", DB_ROWS_MAX, DB_ROWS_MAX);
		free(vs.v[DB_ROWS_MAX].sealed);
		vs.n = DB_ROWS_MAX;
		db_budget_note(0, 1);
	}
	*out = vs.v;
	*n = vs.n;
	return 0;
}

int
db_visits_subject(struct db *d, const char *kind, const char *subject,
    int64_t from_ms, int64_t to_ms, struct db_visit **out, size_t *n)
{
	struct db_arg a[4] = { DB_T(kind), DB_T(subject), DB_I(from_ms),
	    DB_I(to_ms) };

	return visits(d, VISIT_COLUMNS "FROM visits v JOIN devices d ON "
	    "d.device_id = v.device_id WHERE v.kind = $1 AND v.subject = $2 "
	    "AND v.wall_ms >= $3 AND v.wall_ms < $4 ORDER BY v.wall_ms", a, 4,
	    out, n);
}


struct device_ids {
	char (*v)[KEYS_ID_LEN + 1];
	size_t n, cap;
	struct db *d;
	/* On a coordinator of district shards: the districts the venue's
	 * kiosks are in (its visits are there), unless one is unknown. */
	const char *districts[VENUE_DEVICES_MAX];
	size_t nd;
	int all;
};

static int
device_id_row(void *ctx, const struct db_row *r)
{
	struct device_ids *x = ctx;
	const char *dist = shards_district(x->d, db_text(r, 1));
	size_t i;

	if (dynbuf_grow(&x->v, &x->cap, x->n + 1, sizeof(*x->v), ROWS_MAX))
		return -1;
	COPY_TEXT(x->v[x->n++], r, 0);
	for (i = 0; i < x->nd && dist != NULL; i++)
		if (strcmp(x->districts[i], dist) == 0)
			break;
	if (dist == NULL || (i == x->nd && x->nd == VENUE_DEVICES_MAX))
		x->all = 1;
	else if (i == x->nd)
		x->districts[x->nd++] = dist;
	return 0;
}

/*
 * The venue's kiosks first, then their visits by device: a condition on
 * visits alone, which a coordinator of district shards sends to every
 * district's server (db_pg_shards.c) instead of fetching the window's visits
 * to join them with the venue there.
 */
int
db_visits_venue(struct db *d, const char *venue_id, int64_t from_ms,
    int64_t to_ms, struct db_visit **out, size_t *n)
{
	struct db_arg a[2 + 2 * VENUE_DEVICES_MAX] = { DB_T(venue_id) };
	struct device_ids ids = { .d = d, .all = d->shards == NULL };
	struct db_visit *all = NULL, *some;
	size_t i = 0, k, total = 0, got, na;
	char sql[1024 + 16 * VENUE_DEVICES_MAX];
	int rc = 0;

	*out = NULL;
	*n = 0;
	if (db_one(d, DB_TX_ONE_READ, "SELECT device_id, coalesce(ward, '') "
	    "FROM devices WHERE venue_id = $1 ORDER BY device_id", a, 1,
	    device_id_row, &ids) < 0) {
		free(ids.v);
		return -1;
	}
	while (i < ids.n && rc == 0) {
		int len = snprintf(sql, sizeof(sql), VISIT_COLUMNS_UNSEALED
		    "FROM devices d JOIN visits v ON v.device_id = d.device_id "
		    "WHERE v.wall_ms >= $1 AND v.wall_ms < $2 AND v.device_id "
		    "IN (");

		a[0] = DB_I(from_ms);
		a[1] = DB_I(to_ms);
		for (k = 0; k < VENUE_DEVICES_MAX && i < ids.n; k++, i++) {
			a[2 + k] = DB_T(ids.v[i]);
			len += snprintf(sql + len, sizeof(sql) - (size_t)len,
			    "%s$%zu", k ? ", " : "", k + 3);
		}
		na = 2 + k;
		/* Only the servers of the venue's districts are asked. */
		for (size_t j = 0; !ids.all && j < ids.nd; j++, na++) {
			a[na] = DB_T(ids.districts[j]);
			len += snprintf(sql + len, sizeof(sql) - (size_t)len,
			    "%s$%zu", j ? ", " : ") AND v.district IN (",
			    na + 1);
		}
		snprintf(sql + len, sizeof(sql) - (size_t)len, ") ORDER BY "
		    "v.wall_ms");
		rc = visits(d, sql, a, na, &some, &got);
		if (rc == 0 && total == 0) {
			all = some;
			total = got;
		} else if (rc == 0 && got > 0) {
			struct db_visit *m = realloc(all, (total + got) *
			    sizeof(*m));

			if (m == NULL) {
				db_visits_free(some, got);
				rc = -1;
				break;
			}
			all = m;
			memcpy(all + total, some, got * sizeof(*some));
			total += got;
			free(some);
		}
	}
	free(ids.v);
	if (rc != 0) {
		db_visits_free(all, total);
		return -1;
	}
	/* More than one statement: back in time order. */
	if (ids.n > VENUE_DEVICES_MAX)
		qsort(all, total, sizeof(*all), by_wall);
	*out = all;
	*n = total;
	return 0;
}

static int
sealed_row(void *ctx, const struct db_row *r)
{
	struct db_visit *v = ctx;
	size_t len;
	const unsigned char *b = db_blob(r, 0, &len);

	if (b == NULL || len == 0 || v->sealed != NULL)
		return 0;
	v->sealed = malloc(len);
	if (v->sealed == NULL)
		return -1;
	memcpy(v->sealed, b, len);
	v->sealed_len = len;
	return 0;
}

int
db_visits_sealed(struct db *d, struct db_visit *v)
{
	struct db_arg a[5] = { DB_T(v->device_id), DB_T(v->kind),
	    DB_T(v->subject), DB_T(v->direction), DB_I(v->wall_ms) };

	return db_one(d, DB_TX_ONE_READ, "SELECT sealed FROM visits WHERE device_id "
	    "= $1 AND kind = $2 AND subject = $3 AND direction = $4 AND "
	    "wall_ms = $5 LIMIT 1", a, 5, sealed_row, v) < 0 ? -1 : 0;
}

void
db_visits_free(struct db_visit *v, size_t n)
{
	size_t i;

	for (i = 0; v != NULL && i < n; i++)
		free(v[i].sealed);
	free(v);
}

/* ---- the ward report's pieces ---- */

struct venues {
	struct db_venue_status *v;
	size_t n, cap;
};

static int
venue_row(void *ctx, const struct db_row *r)
{
	struct venues *vs = ctx;
	struct db_venue_status *p;
	const char *detail = db_text(r, 7);

	if (dynbuf_grow(&vs->v, &vs->cap, vs->n + 1, sizeof(*vs->v),
	    ROWS_MAX) != 0)
		return -1;
	p = &vs->v[vs->n++];
	memset(p, 0, sizeof(*p));
	COPY_TEXT(p->dev.device_id, r, 0);
	COPY_TEXT(p->dev.venue_id, r, 1);
	COPY_TEXT(p->dev.venue_name, r, 2);
	COPY_TEXT(p->dev.address, r, 3);
	COPY_TEXT(p->dev.ward, r, 4);
	p->last_upload_ms = db_int(r, 5);
	p->last_heartbeat_ms = db_int(r, 6);
	p->enrolled_ms = db_int(r, 8);
	p->revoked_ms = db_int(r, 9);
	if (*detail != '\0' && (p->last_detail = strdup(detail)) == NULL)
		return -1;
	return 0;
}

struct wards {
	struct db_ward *w;
	size_t n, cap;
};

static int
ward_row(void *ctx, const struct db_row *r)
{
	struct wards *ws = ctx;
	struct db_ward *w;

	if (dynbuf_grow(&ws->w, &ws->cap, ws->n + 1, sizeof(*ws->w),
	    ROWS_MAX) != 0)
		return -1;
	w = &ws->w[ws->n++];
	memset(w, 0, sizeof(*w));
	COPY_TEXT(w->name, r, 0);
	w->venues = db_int(r, 1);
	w->devices = db_int(r, 2);
	return 0;
}

int
db_wards(struct db *d, struct db_ward **out, size_t *n)
{
	struct wards ws = { NULL, 0, 0 };

	*out = NULL;
	*n = 0;
	/* A ward with pass issuers and no kiosk yet is one too (its
	 * enrolment codes are being made). */
	if (db_one(d, DB_TX_ONE_READ, "SELECT w, count(DISTINCT venue_id), "
	    "count(device_id) FROM (SELECT coalesce(ward, '') AS w, venue_id, "
	    "device_id FROM devices UNION ALL SELECT ward, NULL, NULL FROM "
	    "pass_issuers) AS a GROUP BY w ORDER BY 1", NULL, 0, ward_row,
	    &ws) < 0) {
		free(ws.w);
		return -1;
	}
	*out = ws.w;
	*n = ws.n;
	return 0;
}

/* How many ward names match WARD's key, at most MAX, into A as text
 * arguments ($1..). -1 when the wards cannot be read. */
static int
ward_spellings(struct db *d, const char *ward, struct db_ward **w,
    struct db_arg *a, int max)
{
	char key[WARD_KEY_MAX], k[WARD_KEY_MAX];
	size_t n, i;
	int m = 0;

	if (db_wards(d, w, &n) != 0)
		return -1;
	if (ward_key(ward, key, sizeof(key)) != 0)
		return 0;
	for (i = 0; i < n && m < max; i++)
		if (ward_key((*w)[i].name, k, sizeof(k)) == 0 &&
		    strcmp(k, key) == 0)
			a[m++] = DB_T((*w)[i].name);
	return m;
}

#define WARD_SPELLINGS 16

/* "WHERE d.ward IN ($FIRST, ... M of them)" into WHERE. */
static void
ward_in_clause(int first, int m, char *where, size_t size)
{
	int i;

	snprintf(where, size, "WHERE d.ward IN (");
	for (i = 0; i < m; i++)
		snprintf(where + strlen(where), size - strlen(where), "%s$%d",
		    i ? ", " : "", first + i);
	snprintf(where + strlen(where), size - strlen(where), ")");
}

/* WARD's spellings as the devices hold them into A[FIRST - 1 ...] (*W
 * holds the names: free it) and the clause into WHERE. How many; 0 when
 * no ward is spelt so, -1 when the wards cannot be read. */
static int
ward_in(struct db *d, const char *ward, int first, struct db_arg *a,
    char *where, size_t size, struct db_ward **w)
{
	int m;

	*w = NULL;
	where[0] = '\0';
	m = ward_spellings(d, ward, w, a + first - 1, WARD_SPELLINGS);
	if (m > 0)
		ward_in_clause(first, m, where, size);
	return m;
}

int
db_ward_devices(struct db *d, const char *ward, struct db_venue_status **out,
    size_t *n)
{
	struct venues vs = { NULL, 0, 0 };
	struct db_arg a[WARD_SPELLINGS];
	struct db_ward *w = NULL;
	char sql[900], where[200] = "";
	int m = 0, rc;

	*out = NULL;
	*n = 0;
	if (ward != NULL) {
		/* The spellings of the ward that the devices hold. */
		m = ward_in(d, ward, 1, a, where, sizeof(where), &w);
		if (m <= 0) {
			free(w);
			return m < 0 ? -1 : 0;
		}
	}
	snprintf(sql, sizeof(sql), "SELECT d.device_id, d.venue_id, "
	    "d.venue_name, coalesce(d.address, ''), coalesce(d.ward, ''), "
	    "coalesce(d.last_batch_ms, 0), coalesce((SELECT max(received_ms) "
	    "FROM heartbeats h WHERE h.device_id = d.device_id), 0), "
	    "coalesce((SELECT detail FROM heartbeats h WHERE h.device_id = "
	    "d.device_id ORDER BY received_ms DESC LIMIT 1), ''), "
	    "d.enrolled_ms, coalesce(d.revoked_ms, 0) FROM devices d %s "
	    "ORDER BY d.ward, d.venue_id, d.device_id", where);
	rc = db_one(d, DB_TX_ONE_READ, sql, a, m, venue_row, &vs);
	free(w);
	if (rc < 0) {
		db_ward_devices_free(vs.v, vs.n);
		return -1;
	}
	*out = vs.v;
	*n = vs.n;
	return 0;
}

/* ---- the ward report's figures, one query each for the whole ward ---- */

struct ward_rows {
	const struct db_ward_fns *fn;
	int nb;
};

static int
day_counts_row(void *ctx, const struct db_row *r)
{
	const struct ward_rows *x = ctx;
	int64_t c[DB_WARD_DAYS_MAX];
	int i;

	for (i = 0; i + 1 < x->nb; i++)
		c[i] = db_int(r, 1 + i);
	return x->fn->day_counts(x->fn->ctx, db_text(r, 0), c);
}

static int
beat_row(void *ctx, const struct db_row *r)
{
	const struct ward_rows *x = ctx;

	return x->fn->heartbeat(x->fn->ctx, db_text(r, 0), db_int(r, 1));
}

static int
ward_inspection_row(void *ctx, const struct db_row *r)
{
	const struct ward_rows *x = ctx;
	struct wire_inspection in;

	memset(&in, 0, sizeof(in));
	in.at_ms = db_int(r, 1);
	COPY_TEXT(in.pass_id, r, 2);
	COPY_TEXT(in.issuer, r, 3);
	return x->fn->inspection(x->fn->ctx, db_text(r, 0), &in);
}

int
db_ward_figures(struct db *d, const char *ward, const int64_t *bounds,
    int nb, int64_t from_ms, int64_t to_ms, int64_t beats_to_ms,
    const struct db_ward_fns *fn)
{
	struct db_arg a[DB_WARD_DAYS_MAX + 3 + WARD_SPELLINGS];
	struct ward_rows x = { fn, nb };
	/* On a coordinator: only the ward's district's server is asked. */
	const char *district = shards_district(d, ward);
	char in_district[32] = "";
	struct db_ward *w = NULL;
	char sql[2400], where[200], *p;
	int m, i, rc;

	if (nb < 2 || nb > DB_WARD_DAYS_MAX + 1)
		return -1;
	/* Check-ins per day: one pass over the ward's visits in the days. */
	for (i = 0; i < nb; i++)
		a[i] = DB_I(bounds[i]);
	m = ward_in(d, ward, nb + 1, a, where, sizeof(where), &w);
	if (m <= 0) {
		free(w);
		return m;
	}
	p = sql + snprintf(sql, sizeof(sql), "SELECT v.device_id");
	for (i = 0; i + 1 < nb; i++)
		p += snprintf(p, sizeof(sql) - (size_t)(p - sql), ", sum(CASE "
		    "WHEN v.wall_ms >= $%d AND v.wall_ms < $%d THEN 1 ELSE 0 "
		    "END)", i + 1, i + 2);
	if (district != NULL) {
		a[nb + m] = DB_T(district);
		snprintf(in_district, sizeof(in_district), " AND v.district = "
		    "$%d", nb + m + 1);
	}
	snprintf(p, sizeof(sql) - (size_t)(p - sql), " FROM devices d JOIN "
	    "visits v ON v.device_id = d.device_id %s AND v.direction = 'in' "
	    "AND v.wall_ms >= $1 AND v.wall_ms < $%d%s GROUP BY v.device_id",
	    where, nb, in_district);
	rc = db_one(d, DB_TX_ONE_READ, sql, a, nb + m + (district != NULL),
	    day_counts_row, &x);
	/* Heartbeats and inspections on the report's day. */
	/* The same spellings, after the two times. */
	memmove(a + 2, a + nb, (size_t)m * sizeof(*a));
	a[0] = DB_I(from_ms);
	a[1] = DB_I(beats_to_ms);
	ward_in_clause(3, m, where, sizeof(where));
	if (rc >= 0) {
		snprintf(sql, sizeof(sql), "SELECT h.device_id, h.received_ms "
		    "FROM devices d JOIN heartbeats h ON h.device_id = "
		    "d.device_id %s AND h.received_ms >= $1 AND h.received_ms "
		    "< $2 ORDER BY h.device_id, h.received_ms", where);
		rc = db_one(d, DB_TX_ONE_READ, sql, a, 2 + m, beat_row, &x);
	}
	if (rc >= 0) {
		a[1] = DB_I(to_ms);
		snprintf(sql, sizeof(sql), "SELECT i.device_id, i.at_ms, "
		    "i.pass_id, i.issuer FROM devices d JOIN inspections i ON "
		    "i.device_id = d.device_id %s AND i.at_ms >= $1 AND i.at_ms "
		    "< $2 ORDER BY i.device_id, i.at_ms", where);
		rc = db_one(d, DB_TX_ONE_READ, sql, a, 2 + m, ward_inspection_row,
		    &x);
	}
	free(w);
	return rc < 0 ? -1 : 0;
}

void
db_ward_devices_free(struct db_venue_status *v, size_t n)
{
	size_t i;

	for (i = 0; v != NULL && i < n; i++)
		free(v[i].last_detail);
	free(v);
}

static int
int_row(void *ctx, const struct db_row *r)
{
	*(int64_t *)ctx = db_int(r, 0);
	return 0;
}

/* ---- the audit log ---- */

struct audits {
	struct db_audit *v;
	size_t n, cap;
};

static int
audit_row(void *ctx, const struct db_row *r)
{
	struct audits *x = ctx;
	struct db_audit *e;

	if (dynbuf_grow(&x->v, &x->cap, x->n + 1, sizeof(*x->v),
	    ROWS_MAX) != 0)
		return -1;
	e = &x->v[x->n++];
	memset(e, 0, sizeof(*e));
	e->at_ms = db_int(r, 0);
	COPY_TEXT(e->who, r, 1);
	COPY_TEXT(e->action, r, 2);
	e->detail = strdup(db_text(r, 3));
	e->results = db_int(r, 4);
	return e->detail != NULL ? 0 : -1;
}

int
db_audit_list(struct db *d, struct db_audit **out, size_t *n)
{
	struct audits x = { NULL, 0, 0 };

	*out = NULL;
	*n = 0;
	if (db_one(d, DB_TX_ONE_READ, "SELECT at_ms, who, action, detail, results "
	    "FROM audit ORDER BY id", NULL, 0, audit_row, &x) < 0) {
		db_audit_free(x.v, x.n);
		return -1;
	}
	*out = x.v;
	*n = x.n;
	return 0;
}

void
db_audit_free(struct db_audit *a, size_t n)
{
	size_t i;

	for (i = 0; a != NULL && i < n; i++)
		free(a[i].detail);
	free(a);
}

/* ---- statistics ---- */

struct streams {
	struct db_stats_stream *v;
	size_t n, cap;
};

static int
stream_row(void *ctx, const struct db_row *r)
{
	struct streams *x = ctx;
	struct db_stats_stream *e;

	if (dynbuf_grow(&x->v, &x->cap, x->n + 1, sizeof(*x->v),
	    ROWS_MAX) != 0)
		return -1;
	e = &x->v[x->n++];
	COPY_TEXT(e->device_id, r, 0);
	COPY_TEXT(e->instance, r, 1);
	e->max_seq = db_int(r, 2);
	e->visits = db_int(r, 3);
	return 0;
}

int
db_stats(struct db *d, struct db_stats *out)
{
	static const char *const counts[4] = {
		"SELECT count(*) FROM devices", "SELECT count(*) FROM visits",
		"SELECT count(*) FROM row_rejects",
		"SELECT count(*) FROM heartbeats"
	};
	int64_t *dst[4] = { &out->devices, &out->visits, &out->rejects,
	    &out->heartbeats };
	struct streams x = { NULL, 0, 0 };
	struct db_tx *tx;
	size_t i;
	int ok = 1;

	memset(out, 0, sizeof(*out));
	tx = d->ops->begin(d, DB_TX_READ);
	if (tx == NULL)
		return -1;
	for (i = 0; i < 4 && ok; i++)
		ok = d->ops->exec(tx, counts[i], NULL, 0, int_row, dst[i]) == 1;
	if (ok)
		ok = d->ops->exec(tx, "SELECT device_id, instance_id, max(seq), "
		    "count(*) FROM visits GROUP BY device_id, instance_id ORDER "
		    "BY device_id, instance_id", NULL, 0, stream_row, &x) >= 0;
	if (d->ops->end(tx, ok) != 0 || !ok) {
		free(x.v);
		return -1;
	}
	out->per = x.v;
	out->n_per = x.n;
	out->partitions = d->ops->partitions != NULL ?
	    d->ops->partitions(d) : -1;
	return 0;
}

void
db_stats_release(struct db_stats *s)
{
	free(s->per);
	s->per = NULL;
	s->n_per = 0;
}
