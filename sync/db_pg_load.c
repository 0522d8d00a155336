/*
 * db_pg_load: the PostgreSQL backend's loading and retention (db_pg_impl.h):
 * visits in day partitions made on demand, batches loaded by COPY into a
 * per-session staging table and moved with INSERT ... ON CONFLICT DO
 * NOTHING, retention by dropping whole day partitions.
 */
#include "db_pg_impl.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "dynbuf.h"
#include "log.h"

#define COPY_MAX (64u * 1024 * 1024)
/* Advisory lock key for making partitions. */
#define LOCK_PARTITION "727101"

/* ---- day partitions ---- */

static int64_t
day_of(int64_t ms)
{
	return ms >= 0 ? ms / DAY_MS : -((-ms + DAY_MS - 1) / DAY_MS);
}

static int
day_known(struct pg *d, int64_t day)
{
	size_t i;
	int known = 0;

	pthread_mutex_lock(&d->lock);
	for (i = 0; i < d->ndays && !known; i++)
		known = d->days[i] == day;
	pthread_mutex_unlock(&d->lock);
	return known;
}

static void
day_remember(struct pg *d, int64_t day)
{
	pthread_mutex_lock(&d->lock);
	/* Only a cache: when memory runs out it stays as it is. */
	if (dynbuf_grow(&d->days, &d->cap, d->ndays + 1, sizeof(*d->days),
	    1u << 20) == 0)
		d->days[d->ndays++] = day;
	pthread_mutex_unlock(&d->lock);
}

void
pg_days_forget(struct pg *d)
{
	pthread_mutex_lock(&d->lock);
	d->ndays = 0;
	pthread_mutex_unlock(&d->lock);
}

/*
 * Make DAY's partition unless it is known to exist, in its own short
 * transaction (creating a partition locks the parent table) and under an
 * advisory lock so that two collectors do not race.
 */
static int
ensure_day(struct pg *d, PGconn *c, int64_t day)
{
	time_t t = (time_t)(day * 86400);
	struct tm tm;
	char sql[256];

	if (day_known(d, day))
		return 0;
	gmtime_r(&t, &tm);
	snprintf(sql, sizeof(sql), "CREATE TABLE IF NOT EXISTS "
	    "visits_p%04d%02d%02d PARTITION OF visits FOR VALUES FROM (%" PRId64
	    ") TO (%" PRId64 ")", tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday,
	    day * DAY_MS, (day + 1) * DAY_MS);
	if (pg_plain(c, "BEGIN") != 0)
		return -1;
	if (pg_plain(c, "SELECT pg_advisory_xact_lock(" LOCK_PARTITION ")") ||
	    pg_plain(c, sql) || pg_plain(c, "COMMIT")) {
		PQclear(PQexec(c, "ROLLBACK"));
		return -1;
	}
	day_remember(d, day);
	return 0;
}

int
pg_prepare_rows(struct db *base, const struct wire_visit *v, size_t n)
{
	struct pg *d = (struct pg *)base;
	struct pgc *p = pg_conn_get(d);
	int64_t last = INT64_MIN;
	size_t i;
	int rc = 0;

	if (p == NULL)
		return -1;
	for (i = 0; i < n && rc == 0; i++) {
		if (v[i].reject != NULL || day_of(v[i].wall_ms) == last)
			continue;	/* rows come in time order */
		last = day_of(v[i].wall_ms);
		rc = ensure_day(d, p->c, last);
	}
	pg_conn_put(d, p);
	return rc;
}

/* ---- loading a batch ---- */

/* A text field in COPY's text format: backslash, tab, CR, LF escaped. */
static void
copy_text(struct dynbuf *b, const char *s, char end)
{
	const char *run = s;

	for (; *s != '\0'; s++) {
		const char *esc = *s == '\\' ? "\\\\" : *s == '\t' ? "\\t" :
		    *s == '\n' ? "\\n" : *s == '\r' ? "\\r" : NULL;

		if (esc != NULL) {
			dynbuf_add(b, run, (size_t)(s - run));
			dynbuf_add(b, esc, 2);
			run = s + 1;
		}
	}
	dynbuf_add(b, run, (size_t)(s - run));
	dynbuf_add(b, &end, 1);
}

static void
copy_bytea(struct dynbuf *b, const unsigned char *p, size_t len, char end)
{
	static const char hex[] = "0123456789abcdef";
	size_t i;

	if (p == NULL) {
		dynbuf_addf(b, "\\N%c", end);
		return;
	}
	dynbuf_add(b, "\\\\x", 3);
	for (i = 0; i < len; i++) {
		char two[2] = { hex[p[i] >> 4], hex[p[i] & 15] };

		dynbuf_add(b, two, 2);
	}
	dynbuf_add(b, &end, 1);
}

/* COPY the rows without a reject reason into staging. */
static int
copy_rows(PGconn *c, const struct wire_header *h,
    const struct wire_visit *v, size_t n, int64_t now_ms)
{
	struct dynbuf b;
	PGresult *r;
	size_t i;
	int ok;

	dynbuf_init(&b, COPY_MAX);
	for (i = 0; i < n; i++) {
		if (v[i].reject != NULL)
			continue;
		copy_text(&b, h->device, '\t');
		copy_text(&b, h->instance, '\t');
		dynbuf_addf(&b, "%" PRId64 "\t", v[i].seq);
		copy_text(&b, v[i].kind, '\t');
		copy_text(&b, v[i].subject, '\t');
		copy_bytea(&b, v[i].sealed, v[i].sealed_len, '\t');
		copy_text(&b, v[i].direction, '\t');
		dynbuf_addf(&b, "%" PRId64 "\t", v[i].wall_ms);
		copy_text(&b, v[i].boot_id, '\t');
		dynbuf_addf(&b, "%" PRId64 "\t", v[i].mono_ms);
		copy_text(&b, v[i].source, '\t');
		dynbuf_addf(&b, "%" PRId64 "\t%d\t", now_ms,
		    v[i].clock_untrusted);
		if (v[i].clock_untrusted == DB_CLOCK_REFILED)
			dynbuf_addf(&b, "%" PRId64 "\n", v[i].claimed_ms);
		else
			dynbuf_add(&b, "\\N\n", 3);
	}
	if (b.failed) {
		dynbuf_release(&b);
		log_error("collector db (postgresql): out of memory for COPY");
		return -1;
	}
	r = PQexec(c, "COPY staging(device_id, instance_id, seq, kind, "
	    "subject, sealed, direction, wall_ms, boot_id, mono_ms, source, "
	    "received_ms, clock, claimed_ms) FROM STDIN");
	ok = PQresultStatus(r) == PGRES_COPY_IN;
	if (!ok)
		pg_log("COPY", c, r);
	PQclear(r);
	if (ok)
		ok = PQputCopyData(c, b.p, (int)b.len) == 1;
	dynbuf_release(&b);
	if (PQputCopyEnd(c, ok ? NULL : "client gave up") != 1)
		ok = 0;
	while ((r = PQgetResult(c)) != NULL) {
		if (PQresultStatus(r) != PGRES_COMMAND_OK) {
			if (ok)
				pg_log("COPY", c, r);
			ok = 0;
		}
		PQclear(r);
	}
	return ok ? 0 : -1;
}

int
pg_insert_visits(struct db_tx *tx, const struct wire_header *h,
    const struct wire_visit *v, size_t n, int64_t now_ms, int64_t *stored)
{
	struct pgc *p = (struct pgc *)tx;
	PGresult *r;

	*stored = 0;
	if (tx->failed || copy_rows(p->c, h, v, n, now_ms) != 0)
		goto fail;
	/* Only visits whose identity is new (docs at the top of db_pg.c). */
	r = PQexec(p->c, "WITH k AS (INSERT INTO visit_keys(device_id, "
	    "instance_id, seq, received_ms) SELECT device_id, instance_id, seq, "
	    "received_ms FROM staging ON CONFLICT DO NOTHING RETURNING "
	    "device_id, instance_id, seq) INSERT INTO visits(device_id, "
	    "instance_id, seq, kind, subject, sealed, direction, wall_ms, "
	    "boot_id, mono_ms, source, received_ms, clock, claimed_ms) SELECT "
	    "DISTINCT ON (s.device_id, s.instance_id, s.seq) s.device_id, "
	    "s.instance_id, s.seq, s.kind, s.subject, s.sealed, s.direction, "
	    "s.wall_ms, s.boot_id, s.mono_ms, s.source, s.received_ms, s.clock, "
	    "s.claimed_ms FROM staging s JOIN k ON k.device_id = s.device_id "
	    "AND k.instance_id = s.instance_id AND k.seq = s.seq ON CONFLICT DO "
	    "NOTHING");
	if (PQresultStatus(r) != PGRES_COMMAND_OK) {
		/* Another process purged a day we had cached. */
		if (strstr(PQerrorMessage(p->c), "no partition") != NULL) {
			PQclear(r);
			pg_days_forget((struct pg *)tx->d);
			tx->failed = 1;
			return DB_RETRY;
		}
		pg_log("ingest", p->c, r);
		pg_note_failure(p, r);
		PQclear(r);
		goto fail;
	}
	*stored = strtoll(PQcmdTuples(r), NULL, 10);
	PQclear(r);
	return 0;
fail:
	/* A batch that could not be loaded: its session is made afresh
	 * (after a failover it was on the old primary). */
	p->stale = 1;
	tx->failed = 1;
	return DB_FAILED;
}

/* ---- retention ---- */

static int
count_row(void *ctx, const struct db_row *r)
{
	*(int64_t *)ctx += db_int(r, 0);
	return 0;
}

struct names {
	char (*v)[48];
	size_t n, cap;
};

static int
name_row(void *ctx, const struct db_row *r)
{
	struct names *x = ctx;

	if (dynbuf_grow(&x->v, &x->cap, x->n + 1, sizeof(*x->v), 1u << 20))
		return -1;
	snprintf(x->v[x->n++], sizeof(x->v[0]), "%s", db_text(r, 0));
	return 0;
}

/* Retention: drop every day partition that ended at or before CUT_MS. */
/* The visit and its key, so that the insert takes it again. */
int
pg_forget_visit(struct db_tx *tx, const struct wire_header *h, int64_t seq)
{
	struct db_arg a[3] = { DB_T(h->device), DB_T(h->instance), DB_I(seq) };

	return db_exec(tx, "DELETE FROM visits WHERE device_id = $1 AND "
	    "instance_id = $2 AND seq = $3", a, 3, NULL, NULL) < 0 ||
	    db_exec(tx, "DELETE FROM visit_keys WHERE device_id = $1 AND "
	    "instance_id = $2 AND seq = $3", a, 3, NULL, NULL) < 0 ?
	    DB_FAILED : 0;
}

int64_t
pg_purge(struct db *base, int64_t cut_ms)
{
	struct names x = { NULL, 0, 0 };
	int64_t gone = 0;
	size_t i;

	if (db_one(base, DB_TX_ONE, "SELECT c.relname FROM pg_inherits i JOIN "
	    "pg_class c ON c.oid = i.inhrelid WHERE i.inhparent = "
	    "'visits'::regclass AND c.relname ~ '^visits_p[0-9]{8}$' ORDER BY "
	    "1", NULL, 0, name_row, &x) < 0) {
		free(x.v);
		return -1;
	}
	for (i = 0; i < x.n && gone >= 0; i++) {
		struct tm tm = { 0 };
		char sql[96];
		int64_t day;

		if (sscanf(x.v[i], "visits_p%4d%2d%2d", &tm.tm_year,
		    &tm.tm_mon, &tm.tm_mday) != 3)
			continue;
		tm.tm_year -= 1900;
		tm.tm_mon -= 1;
		day = (int64_t)timegm(&tm) / 86400;
		if ((day + 1) * DAY_MS > cut_ms)
			continue;
		snprintf(sql, sizeof(sql), "SELECT count(*) FROM %s", x.v[i]);
		if (db_one(base, DB_TX_ONE, sql, NULL, 0, count_row,
		    &gone) < 0)
			gone = -1;
		snprintf(sql, sizeof(sql), "DROP TABLE %s", x.v[i]);
		if (gone >= 0 && db_one(base, DB_TX_ONE, sql, NULL, 0, NULL,
		    NULL) < 0)
			gone = -1;
	}
	free(x.v);
	pg_days_forget((struct pg *)base);
	{
		struct db_arg a[1] = { DB_I(cut_ms) };

		/* The identities of visits that arrived before the cut go
		 * with them (a flagged one kept past it arrived after). */
		if (gone >= 0 && db_one(base, DB_TX_ONE, "DELETE FROM "
		    "visit_keys WHERE received_ms < $1", a, 1, NULL, NULL) < 0)
			gone = -1;
	}
	return gone;
}

int64_t
pg_partitions(struct db *base)
{
	int64_t n = 0;

	if (db_one(base, DB_TX_ONE, "SELECT count(*) FROM pg_inherits WHERE "
	    "inhparent = 'visits'::regclass", NULL, 0, count_row, &n) < 0)
		return -1;
	return n;
}
