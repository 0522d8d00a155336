/*
 * db: the storage interface's front (db.h) and the rules that hold on
 * every backend: tokens are hashed before any backend sees them, one-time
 * enrolment tokens, a device id bound to its key, a check-out needs a
 * check-in, the phone duplicate window, acknowledgement only after the
 * commit. The backends give primitives (db_impl.h); the queries for
 * tracers and patrols are in db_query.c.
 */
#include "db_impl.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>

#include <sodium.h>

#include "dynbuf.h"
#include "ktime.h"
#include "log.h"

#define DAY_MS INT64_C(86400000)
/* Check-outs asked about in one statement (4 parameters each). */
#define CHECKOUT_CHUNK 200

struct db *
db_open(const char *url)
{
	return db_open_pool(url, DB_CONNECTIONS);
}

static struct db *
open_url(const char *url, int connections, int create)
{
	if (sodium_init() < 0) {
		log_error("libsodium could not start");
		return NULL;
	}
	if (connections < 1 || connections > DB_MAX_CONNECTIONS)
		connections = DB_CONNECTIONS;
	if (strncmp(url, "postgresql://", 13) == 0 ||
	    strncmp(url, "postgres://", 11) == 0)
		return db_pg_open(url, connections, create, 0);
	if (strncmp(url, "sqlite:", 7) == 0 && url[7] != '\0')
		return db_sqlite_open(url + 7, connections, create);
	log_error("bad --db '%s': want sqlite:PATH or "
	    "postgresql://USER@HOST:PORT/DBNAME", url);
	return NULL;
}

struct db *
db_open_pool(const char *url, int connections)
{
	return open_url(url, connections, 1);
}

struct db *
db_open_existing(const char *url)
{
	return open_url(url, DB_CONNECTIONS, 0);
}

struct db *
db_open_reader(const char *url, int connections)
{
	if (strncmp(url, "postgresql://", 13) != 0 &&
	    strncmp(url, "postgres://", 11) != 0) {
		log_error("a read database is a PostgreSQL standby "
		    "(postgresql://...?target_session_attrs=prefer-standby), "
		    "not '%.40s'", url);
		return NULL;
	}
	if (sodium_init() < 0)
		return NULL;
	if (connections < 1 || connections > DB_MAX_CONNECTIONS)
		connections = DB_CONNECTIONS;
	return db_pg_open(url, connections, 0, 1);
}

int
db_read_lag(struct db *d, int *standby, int64_t *lag_ms)
{
	if (strcmp(db_backend(d), "postgresql") == 0)
		return db_pg_read_lag(d, standby, lag_ms);
	*standby = 0;
	*lag_ms = 0;
	return 0;
}

void
db_close(struct db *d)
{
	if (d != NULL)
		d->ops->close(d);
}

const char *
db_backend(const struct db *d)
{
	return d->ops->name;
}

/* ---- bounded work ---- */

static _Thread_local struct db_budget *budget;
static _Thread_local int64_t gone_checked_ms;

void
db_budget_set(struct db_budget *b)
{
	budget = b;
	gone_checked_ms = 0;
}

int64_t
db_statement_deadline(void)
{
	int64_t d = ktime_mono_ms() + DB_STATEMENT_MS;

	return budget != NULL && budget->deadline_ms > 0 &&
	    budget->deadline_ms < d ? budget->deadline_ms : d;
}

int
db_budget_over(void)
{
	int64_t now;

	if (budget == NULL)
		return 0;
	now = ktime_mono_ms();
	if (budget->deadline_ms > 0 && now > budget->deadline_ms)
		return 1;
	if (budget->gone != NULL && now - gone_checked_ms >= 100) {
		gone_checked_ms = now;
		return budget->gone(budget->ctx) != 0;
	}
	return 0;
}

void
db_budget_note(int spent, int truncated)
{
	if (budget == NULL)
		return;
	budget->spent |= spent;
	budget->truncated |= truncated;
}

int64_t
db_one(struct db *d, enum db_tx_mode mode, const char *sql,
    const struct db_arg *args, size_t nargs, db_row_fn fn, void *ctx)
{
	struct db_tx *tx = d->ops->begin(d, mode);
	int64_t r;

	if (tx == NULL)
		return DB_FAILED;
	r = d->ops->exec(tx, sql, args, nargs, fn, ctx);
	if (d->ops->end(tx, r >= 0) != 0)
		return DB_FAILED;
	return r;
}

const char *
db_text(const struct db_row *r, int col)
{
	return r->ops->text(r, col);
}

int64_t
db_int(const struct db_row *r, int col)
{
	return r->ops->integer(r, col);
}

const unsigned char *
db_blob(const struct db_row *r, int col, size_t *len)
{
	return r->ops->blob(r, col, len);
}

int64_t
db_exec(struct db_tx *tx, const char *sql, const struct db_arg *args,
    size_t nargs, db_row_fn fn, void *ctx)
{
	return tx->d->ops->exec(tx, sql, args, nargs, fn, ctx);
}

/* ---- ingest ---- */

struct rows {
	struct wire_visit *v;
	size_t n;
};

/* A check-out (by its index in the batch) that has no check-in. */
static int
lonely_out(void *ctx, const struct db_row *r)
{
	struct rows *rows = ctx;
	int64_t i = db_int(r, 0);

	if (i < 0 || (size_t)i >= rows->n)
		return -1;
	rows->v[i].reject = "checkout_before_checkin";
	return 0;
}

/*
 * A check-out needs a check-in of the same person at the same device no
 * later than it (or whose time cannot be trusted), stored before or in
 * this batch; those without one get the reject reason
 * "checkout_before_checkin". A check-out whose own time cannot be trusted
 * is taken as it is.
 */
static int
check_outs(struct db_tx *tx, const struct wire_header *h,
    struct wire_visit *v, size_t n)
{
	struct db_arg a[1 + 4 * CHECKOUT_CHUNK];
	char sql[64 + 40 * CHECKOUT_CHUNK + 400];
	struct rows rows = { v, n };
	size_t i, j, k, len;

	for (i = 0; i < n; ) {
		len = (size_t)snprintf(sql, sizeof(sql), "WITH q(i, kind, "
		    "subject, wall) AS (VALUES ");
		a[0] = DB_T(h->device);
		for (k = 0; i < n && k < CHECKOUT_CHUNK; i++) {
			int in_batch = 0;

			/* A check-out whose time cannot be trusted cannot be
			 * put before or after anything. */
			if (v[i].reject != NULL || v[i].clock_untrusted !=
			    DB_CLOCK_OK || strcmp(v[i].direction, "out") != 0)
				continue;
			for (j = 0; j < n && !in_batch; j++)
				in_batch = v[j].reject == NULL &&
				    strcmp(v[j].direction, "in") == 0 &&
				    strcmp(v[j].kind, v[i].kind) == 0 &&
				    strcmp(v[j].subject, v[i].subject) == 0 &&
				    (v[j].wall_ms <= v[i].wall_ms ||
				    v[j].clock_untrusted != DB_CLOCK_OK);
			if (in_batch)
				continue;
			a[1 + 4 * k] = DB_I((int64_t)i);
			a[2 + 4 * k] = DB_T(v[i].kind);
			a[3 + 4 * k] = DB_T(v[i].subject);
			a[4 + 4 * k] = DB_I(v[i].wall_ms);
			len += (size_t)snprintf(sql + len, sizeof(sql) - len,
			    "%s($%zu, $%zu, $%zu, $%zu)", k ? ", " : "",
			    2 + 4 * k, 3 + 4 * k, 4 + 4 * k, 5 + 4 * k);
			k++;
		}
		if (k == 0)
			continue;
		snprintf(sql + len, sizeof(sql) - len, ") SELECT CAST(q.i AS "
		    "bigint) FROM q WHERE NOT EXISTS (SELECT 1 FROM visits x "
		    "WHERE x.device_id = $1 AND x.kind = q.kind AND x.subject = "
		    "q.subject AND x.direction = 'in' AND (x.wall_ms <= "
		    "CAST(q.wall AS bigint) OR x.clock > 0))");
		if (db_exec(tx, sql, a, 1 + 4 * k, lonely_out, &rows) < 0)
			return -1;
	}
	return 0;
}

/* A row already stored (as it is, or under another time). */
static const char duplicate[] = "duplicate";

/* Another visit is stored under this row's (device, instance, seq): the
 * kiosk's store was rolled back and numbers again; it moves to a new
 * instance id and sends it again (docs/sync.md). */
static const char seq_reused[] = "seq_reused";

struct stored {
	struct wire_visit *v;
	size_t n;
	size_t *by_seq;		/* indexes of V by seq */
	size_t *redate;		/* rows whose stored copy is re-dated */
	size_t n_redate;
};

/* The row of S->v with SEQ, or -1. */
static ssize_t
row_of(const struct stored *s, int64_t seq)
{
	size_t lo = 0, hi = s->n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (s->v[s->by_seq[mid]].seq < seq)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo < s->n && s->v[s->by_seq[lo]].seq == seq ?
	    (ssize_t)s->by_seq[lo] : -1;
}

/*
 * A stored row met again: the same visit (kind, subject, direction, and
 * the boot and boot time it was recorded at) is a duplicate, or, when the
 * stored copy's time could not be trusted and this one's can (the kiosk
 * re-dated it after an acknowledgement was lost), its copy is re-dated;
 * another visit under the same number is refused as seq_reused.
 */
static int
stored_row(void *ctx, const struct db_row *r)
{
	struct stored *s = ctx;
	ssize_t i = row_of(s, db_int(r, 0));
	struct wire_visit *v;

	if (i < 0)
		return 0;
	v = &s->v[i];
	if (v->reject != NULL)
		return 0;
	if (strcmp(db_text(r, 1), v->kind) != 0 ||
	    strcmp(db_text(r, 2), v->subject) != 0 ||
	    strcmp(db_text(r, 3), v->direction) != 0 ||
	    strcmp(db_text(r, 4), v->boot_id) != 0 ||
	    db_int(r, 5) != v->mono_ms) {
		v->reject = seq_reused;
		return 0;
	}
	if (db_int(r, 6) != DB_CLOCK_OK && v->clock_untrusted == DB_CLOCK_OK) {
		s->redate[s->n_redate++] = (size_t)i;
		return 0;
	}
	v->reject = duplicate;
	return 0;
}

static int
by_seq(const void *a, const void *b, void *ctx)
{
	const struct wire_visit *v = ctx;
	int64_t x = v[*(const size_t *)a].seq, y = v[*(const size_t *)b].seq;

	return (x > y) - (x < y);
}

/*
 * The batch's rows that are stored already, found with one query over
 * its seq range and judged by stored_row; the copies to re-date are
 * dropped so that the insert puts the kiosk's trusted time in.
 */
static int
already_stored(struct db_tx *tx, const struct wire_header *h,
    struct wire_visit *v, size_t n)
{
	struct stored s = { v, n, NULL, NULL, 0 };
	struct db_arg a[4];
	size_t i;
	int rc = -1;

	s.by_seq = calloc(n ? n : 1, sizeof(*s.by_seq));
	s.redate = calloc(n ? n : 1, sizeof(*s.redate));
	if (s.by_seq == NULL || s.redate == NULL)
		goto out;
	for (i = 0; i < n; i++)
		s.by_seq[i] = i;
	qsort_r(s.by_seq, n, sizeof(*s.by_seq), by_seq, v);
	a[0] = DB_T(h->device);
	a[1] = DB_T(h->instance);
	a[2] = DB_I(h->first_seq);
	a[3] = DB_I(h->last_seq);
	if (db_exec(tx, "SELECT seq, kind, subject, direction, boot_id, "
	    "mono_ms, clock FROM visits WHERE device_id = $1 AND instance_id "
	    "= $2 AND seq >= $3 AND seq <= $4", a, 4, stored_row, &s) < 0)
		goto out;
	for (i = 0; i < s.n_redate; i++)
		if (tx->d->ops->forget_visit(tx, h, v[s.redate[i]].seq) != 0)
			goto out;
	rc = 0;
out:
	free(s.by_seq);
	free(s.redate);
	return rc;
}

/*
 * When each row is filed: a time that cannot be (later than NOW_MS by
 * more than WIRE_FUTURE_MS, older than DB_MAX_AGE_MS, or none) is filed at
 * NOW_MS with its own kept as claimed_ms (DB_CLOCK_REFILED), so partitions
 * stay within a window around today and retention counts from arrival; a
 * row the kiosk flagged keeps its time (DB_CLOCK_UNTRUSTED).
 */
static void
file_times(struct wire_visit *v, size_t n, int64_t now_ms)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (v[i].reject == NULL && (v[i].wall_ms > now_ms +
		    WIRE_FUTURE_MS || v[i].wall_ms < now_ms - DB_MAX_AGE_MS ||
		    v[i].wall_ms <= 0)) {
			v[i].claimed_ms = v[i].wall_ms;
			v[i].wall_ms = now_ms;
			v[i].clock_untrusted = DB_CLOCK_REFILED;
		}
}

int
db_ingest(struct db *d, const struct wire_header *h, struct wire_visit *v,
    size_t n, int64_t now_ms, struct db_ingest_res *res)
{
	struct db_arg a[5];
	struct db_tx *tx;
	int64_t stored = 0, valid, dups;
	size_t i;
	int attempt, r;

	if (d->shards != NULL)
		return shards_ingest(d, h, v, n, now_ms, res);
	memset(res, 0, sizeof(*res));
	file_times(v, n, now_ms);
	for (attempt = 0; attempt < 2; attempt++) {
		if (d->ops->prepare_rows != NULL &&
		    d->ops->prepare_rows(d, v, n) != 0)
			return -1;
		tx = d->ops->begin(d, DB_TX_WRITE);
		if (tx == NULL)
			return -1;
		for (i = 0; i < n; i++)
			if (v[i].reject != NULL &&
			    (strcmp(v[i].reject, "checkout_before_checkin") == 0 ||
			    v[i].reject == duplicate || v[i].reject == seq_reused))
				v[i].reject = NULL;	/* decided again */
		if (already_stored(tx, h, v, n) != 0 ||
		    check_outs(tx, h, v, n) != 0)
			goto fail;
		valid = dups = 0;
		for (i = 0; i < n; i++) {
			if (v[i].reject == NULL) {
				valid++;
				continue;
			}
			if (v[i].reject == duplicate) {
				dups++;
				continue;
			}
			a[0] = DB_T(h->device);
			a[1] = DB_T(h->instance);
			a[2] = DB_I(v[i].seq);
			a[3] = DB_T(v[i].reject);
			a[4] = DB_I(now_ms);
			if (db_exec(tx, "INSERT INTO row_rejects(device_id, "
			    "instance_id, seq, reason, received_ms) VALUES ($1, "
			    "$2, $3, $4, $5) ON CONFLICT DO NOTHING", a, 5, NULL,
			    NULL) < 0)
				goto fail;
		}
		r = valid > 0 ? d->ops->insert_visits(tx, h, v, n, now_ms,
		    &stored) : 0;
		if (r == DB_RETRY) {
			(void)d->ops->end(tx, 0);
			continue;
		}
		a[0] = DB_T(h->device);
		a[1] = DB_I(now_ms);
		if (r != 0 || db_exec(tx, "UPDATE devices SET last_batch_ms = $2 "
		    "WHERE device_id = $1", a, 2, NULL, NULL) < 0)
			goto fail;
		/* Acknowledge only what is committed. */
		if (d->ops->end(tx, 1) != 0)
			return -1;
		for (i = 0; i < n; i++)
			if (v[i].reject == duplicate)
				v[i].reject = NULL;	/* not a refusal */
		res->stored = stored;
		res->duplicates = valid - stored + dups;
		res->rejected = (int64_t)n - valid - dups;
		res->acked_through = h->last_seq;
		return 0;
	}
	log_error("collector db: ingest: a day's partition kept going away");
	return -1;
fail:
	(void)d->ops->end(tx, 0);
	return -1;
}

/* ---- phone check-ins and heartbeats ---- */

static int
seq_row(void *ctx, const struct db_row *r)
{
	*(int64_t *)ctx = db_int(r, 0);
	return 0;
}

/* The venue name into CTX ({buffer, size}). */
static int
venue_name_row(void *ctx, const struct db_row *r)
{
	char **nr = ctx;

	snprintf(nr[0], (size_t)(uintptr_t)nr[1], "%s", db_text(r, 0));
	return 0;
}

int
db_phone_checkin(struct db *d, const char *device_id, const char *kind,
    const char *subject, int64_t now_ms, int64_t window_ms,
    char *venue_name, size_t size)
{
	char *nr[2] = { venue_name, (char *)(uintptr_t)size };
	struct wire_header h;
	struct wire_visit v;
	struct db_arg a[4];
	struct db_tx *tx;
	char sql[128];
	int64_t n, seq = 1, stored;
	int ret = -1, r;

	if (d->shards != NULL)
		return shards_phone_checkin(d, device_id, kind, subject, now_ms,
		    window_ms, venue_name, size);
	memset(&h, 0, sizeof(h));
	memset(&v, 0, sizeof(v));
	snprintf(h.device, sizeof(h.device), "%s", device_id);
	snprintf(h.instance, sizeof(h.instance), "phone");
	snprintf(v.kind, sizeof(v.kind), "%s", kind);
	snprintf(v.subject, sizeof(v.subject), "%s", subject);
	snprintf(v.direction, sizeof(v.direction), "in");
	snprintf(v.boot_id, sizeof(v.boot_id), "phone");
	snprintf(v.source, sizeof(v.source), "phone");
	v.wall_ms = now_ms;
	if (d->ops->prepare_rows != NULL && d->ops->prepare_rows(d, &v, 1))
		return -1;
	tx = d->ops->begin(d, DB_TX_WRITE);
	if (tx == NULL)
		return -1;
	/* The device's row lock serialises its phone visits' seqs. */
	snprintf(sql, sizeof(sql), "SELECT venue_name FROM devices WHERE "
	    "device_id = $1 AND revoked_ms IS NULL%s", d->ops->for_update);
	a[0] = DB_T(device_id);
	n = db_exec(tx, sql, a, 1, venue_name_row, nr);
	if (n <= 0) {
		ret = n < 0 ? -1 : 2;
		goto out;
	}
	a[0] = DB_T(kind);
	a[1] = DB_T(subject);
	a[2] = DB_T(device_id);
	a[3] = DB_I(now_ms - window_ms);
	n = db_exec(tx, "SELECT 1 FROM visits WHERE kind = $1 AND subject = $2 AND "
	    "device_id = $3 AND wall_ms > $4 LIMIT 1", a, 4, NULL, NULL);
	if (n != 0) {
		ret = n < 0 ? -1 : 1;
		goto out;
	}
	a[0] = DB_T(device_id);
	if (db_exec(tx, "SELECT coalesce(max(seq), 0) + 1 FROM visits WHERE "
	    "device_id = $1 AND instance_id = 'phone'", a, 1, seq_row,
	    &seq) < 0)
		goto out;
	v.seq = seq;
	r = d->ops->insert_visits(tx, &h, &v, 1, now_ms, &stored);
	if (r == 0 && stored == 1)
		ret = 0;
	else if (r == 0)
		log_error("collector db: phone visit %lld of device %s was there "
		    "already", (long long)seq, device_id);
	else if (r == DB_RETRY)
		log_warn("collector db: today's partition went away during a "
		    "phone check-in; the phone is asked to send again");
out:
	if (d->ops->end(tx, ret == 0) != 0 && ret == 0)
		ret = -1;
	return ret;
}

int
db_heartbeat(struct db *d, const char *device_id, const char *json,
    int64_t sent_at_ms, int64_t now_ms)
{
	struct db_arg a[5];
	struct db_tx *tx;
	int64_t n;
	int ret = -1;

	tx = d->ops->begin(d, DB_TX_WRITE);
	if (tx == NULL)
		return -1;
	/* Newer than the last one taken: a replay is not. The mark kept is
	 * never more than a minute past the collector's own time, so a kiosk
	 * whose clock ran ahead (and was then put right) has its heartbeats
	 * taken again within a minute, not only once real time catches up
	 * with what its clock said. */
	a[0] = DB_T(device_id);
	a[1] = DB_I(sent_at_ms);
	a[2] = DB_I(now_ms + 60 * 1000);
	n = db_exec(tx, "UPDATE devices SET last_beat_ms = CASE WHEN $2 < $3 "
	    "THEN $2 ELSE $3 END WHERE device_id = $1 AND revoked_ms IS NULL "
	    "AND coalesce(last_beat_ms, 0) < $2", a, 3, NULL, NULL);
	if (n == 0) {
		n = db_exec(tx, "SELECT 1 FROM devices WHERE device_id = $1 AND "
		    "revoked_ms IS NULL", a, 1, NULL, NULL);
		ret = n < 0 ? -1 : n == 0 ? 2 : 1;
		goto out;
	}
	if (n < 0)
		goto out;
	a[1] = DB_I(now_ms);
	a[2] = DB_I(sent_at_ms);
	a[3] = DB_I(sent_at_ms - now_ms);
	a[4] = DB_T(json);
	if (db_exec(tx, "INSERT INTO heartbeats(device_id, received_ms, "
	    "sent_at_ms, drift_ms, detail) VALUES ($1, $2, $3, $4, $5)", a, 5,
	    NULL, NULL) == 1)
		ret = 0;
out:
	if (d->ops->end(tx, ret == 0) != 0 && ret == 0)
		ret = -1;
	return ret;
}

int
db_inspection_add(struct db *d, const char *device_id, int64_t at_ms,
    const char *pass_id, const char *issuer, int64_t now_ms)
{
	struct db_arg a[5];

	a[0] = DB_T(device_id);
	a[1] = DB_I(at_ms);
	a[2] = DB_T(pass_id);
	a[3] = DB_T(issuer);
	a[4] = DB_I(now_ms);
	return db_one(d, DB_TX_ONE, "INSERT INTO inspections(device_id, at_ms, "
	    "pass_id, issuer, received_ms) VALUES ($1, $2, $3, $4, $5) ON "
	    "CONFLICT DO NOTHING", a, 5, NULL, NULL) < 0 ? -1 : 0;
}

int
db_audit_add(struct db *d, int64_t at_ms, const char *who, const char *action,
    const char *detail_json, int64_t results)
{
	struct db_arg a[5];

	a[0] = DB_I(at_ms);
	a[1] = DB_T(who);
	a[2] = DB_T(action);
	a[3] = DB_T(detail_json);
	a[4] = DB_I(results);
	return db_one(d, DB_TX_ONE, "INSERT INTO audit(at_ms, who, action, "
	    "detail, results) VALUES ($1, $2, $3, $4, $5)", a, 5, NULL,
	    NULL) == 1 ? 0 : -1;
}

/* ---- retention ---- */

struct arrivals {
	struct wire_visit *v;
	size_t n, cap;
};

static int
arrival_row(void *ctx, const struct db_row *r)
{
	struct arrivals *x = ctx;

	if (dynbuf_grow(&x->v, &x->cap, x->n + 1, sizeof(*x->v), 1u << 20))
		return -1;
	memset(&x->v[x->n], 0, sizeof(x->v[0]));
	x->v[x->n++].wall_ms = db_int(r, 0);
	return 0;
}

/*
 * A visit whose time could not be trusted is kept at least the retention
 * period after it arrived: before its day goes, it is filed at its
 * arrival (DB_CLOCK_REFILED, its time kept as claimed_ms).
 */
static int
keep_flagged(struct db *d, int64_t cut)
{
	struct arrivals x = { NULL, 0, 0 };
	struct db_arg a[1] = { DB_I(cut) };
	int rc = -1;

	/* The days they move to must be there (PostgreSQL). */
	if (db_one(d, DB_TX_ONE, "SELECT DISTINCT received_ms - received_ms % "
	    "86400000 FROM visits WHERE clock > 0 AND wall_ms < $1 AND "
	    "received_ms >= $1", a, 1, arrival_row, &x) < 0)
		goto out;
	if (x.n > 0 && d->ops->prepare_rows != NULL &&
	    d->ops->prepare_rows(d, x.v, x.n) != 0)
		goto out;
	if (db_one(d, DB_TX_WRITE, "UPDATE visits SET claimed_ms = "
	    "coalesce(claimed_ms, wall_ms), wall_ms = received_ms, clock = 2 "
	    "WHERE clock > 0 AND wall_ms < $1 AND received_ms >= $1", a, 1,
	    NULL, NULL) < 0)
		goto out;
	rc = 0;
out:
	free(x.v);
	return rc;
}

int64_t
db_purge(struct db *d, int64_t before_ms)
{
	/* Whole UTC days that ended at or before BEFORE_MS. */
	int64_t cut = before_ms - ((before_ms % DAY_MS) + DAY_MS) % DAY_MS;

	struct db_arg a[1] = { DB_I(cut) };
	int64_t gone = 0;

	/* A coordinator's visits are its districts' servers' to drop. */
	if (d->shards != NULL)
		gone = shards_purge(d, before_ms);
	else if (keep_flagged(d, cut) != 0)
		return -1;
	if (gone < 0)
		return -1;
	/* What kiosks said of themselves goes with the visits' days. */
	if (db_one(d, DB_TX_WRITE, "DELETE FROM heartbeats WHERE received_ms "
	    "< $1", a, 1, NULL, NULL) < 0 || db_one(d, DB_TX_WRITE, "DELETE "
	    "FROM inspections WHERE received_ms < $1", a, 1, NULL, NULL) < 0 ||
	    db_one(d, DB_TX_WRITE, "DELETE FROM row_rejects WHERE "
	    "received_ms < $1", a, 1, NULL, NULL) < 0)
		return -1;
	return d->shards != NULL ? gone : d->ops->purge(d, cut);
}
