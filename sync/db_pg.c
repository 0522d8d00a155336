/*
 * db_pg: the collector's PostgreSQL backend (libpq), for a city. See
 * db_impl.h.
 *
 * Visits live in a table partitioned by day (UTC) on wall_ms, one
 * partition per day made on demand, so retention drops whole partitions
 * instead of deleting rows. A batch is loaded by COPY into a per-session
 * temporary staging table, then moved with INSERT ... ON CONFLICT DO
 * NOTHING in the same transaction: the key (device, instance, seq,
 * wall_ms) makes a resent batch a no-op. wall_ms is part of the key
 * because PostgreSQL wants the partition key in every unique index; a
 * device cannot send two different times for one seq without breaking its
 * own signature, so this is the same rule as SQLite's (device, instance,
 * seq).
 *
 * A small pool of connections serves the server's threads; a connection
 * that broke (server restarted) is reset on its next use. Every failure is
 * logged once, here, with the server's own message.
 */
#include "db_impl.h"

#include <inttypes.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <libpq-fe.h>
#include <sodium.h>

#include "dynbuf.h"
#include "log.h"

#define PG_POOL 4
#define PG_MAX_ARGS 1024
#define DAY_MS INT64_C(86400000)
#define COPY_MAX (64u * 1024 * 1024)
/* Advisory lock keys: schema set-up, and making partitions. */
#define LOCK_SCHEMA "727100"
#define LOCK_PARTITION "727101"

struct pgc {
	struct db_tx tx;	/* base: this connection's transaction */
	PGconn *c;
	int busy;
	int staged;		/* this session has its staging table */
	int open;		/* BEGIN was run */
};

struct pg {
	struct db base;
	char *conninfo;
	pthread_mutex_t lock;
	pthread_cond_t cond;
	struct pgc pool[PG_POOL];
	/* Days whose partition is known to exist (a cache: see ingest). */
	int64_t *days;
	size_t ndays, cap;
};

struct pg_row {
	struct db_row base;
	PGresult *r;
	int i;
	unsigned char *bytes;	/* the last bytea column read, decoded */
};

static const struct db_ops pg_ops;

static const char *const schema =
	"SET client_min_messages = warning;"
	"BEGIN;"
	"SELECT pg_advisory_xact_lock(" LOCK_SCHEMA ");"
	"CREATE TABLE IF NOT EXISTS tokens("
	"  hash text PRIMARY KEY, role text NOT NULL, ward text,"
	"  created_ms bigint NOT NULL, used_ms bigint);"
	"CREATE TABLE IF NOT EXISTS devices("
	"  device_id text PRIMARY KEY, pubkey bytea NOT NULL,"
	"  venue_id text NOT NULL, venue_name text NOT NULL, address text,"
	"  ward text, enrolled_ms bigint NOT NULL);"
	"CREATE TABLE IF NOT EXISTS visits("
	"  device_id text NOT NULL, instance_id text NOT NULL,"
	"  seq bigint NOT NULL, kind text NOT NULL, subject text NOT NULL,"
	"  sealed bytea, direction text NOT NULL, wall_ms bigint NOT NULL,"
	"  boot_id text NOT NULL, mono_ms bigint NOT NULL,"
	"  source text NOT NULL, received_ms bigint NOT NULL,"
	"  PRIMARY KEY (device_id, instance_id, seq, wall_ms))"
	"  PARTITION BY RANGE (wall_ms);"
	"CREATE INDEX IF NOT EXISTS visits_subject ON visits(kind, subject,"
	"  wall_ms);"
	"CREATE INDEX IF NOT EXISTS visits_device_time ON visits(device_id,"
	"  wall_ms);"
	"CREATE TABLE IF NOT EXISTS row_rejects("
	"  device_id text NOT NULL, instance_id text NOT NULL,"
	"  seq bigint NOT NULL, reason text NOT NULL,"
	"  received_ms bigint NOT NULL,"
	"  PRIMARY KEY (device_id, instance_id, seq));"
	"CREATE TABLE IF NOT EXISTS heartbeats("
	"  device_id text NOT NULL, received_ms bigint NOT NULL,"
	"  sent_at_ms bigint, drift_ms bigint, detail text);"
	"CREATE INDEX IF NOT EXISTS heartbeats_device ON heartbeats(device_id,"
	"  received_ms);"
	"ALTER TABLE devices ADD COLUMN IF NOT EXISTS last_batch_ms bigint;"
	"CREATE INDEX IF NOT EXISTS devices_venue ON devices(venue_id);"
	"CREATE INDEX IF NOT EXISTS devices_ward ON devices(ward);"
	"CREATE TABLE IF NOT EXISTS inspections("
	"  device_id text NOT NULL, at_ms bigint NOT NULL,"
	"  pass_id text NOT NULL, issuer text NOT NULL,"
	"  received_ms bigint NOT NULL,"
	"  PRIMARY KEY (device_id, at_ms, pass_id));"
	"CREATE TABLE IF NOT EXISTS audit("
	"  id bigserial PRIMARY KEY, at_ms bigint NOT NULL, who text NOT NULL,"
	"  action text NOT NULL, detail text NOT NULL,"
	"  results bigint NOT NULL);"
	"COMMIT;";

/* The server's message without its trailing newline, for the log. */
static void
log_pg(const char *what, PGconn *c, const PGresult *r)
{
	const char *m = r != NULL ? PQresultErrorMessage(r) : "";
	size_t len;

	if (m == NULL || *m == '\0')
		m = PQerrorMessage(c);
	len = strlen(m);
	while (len > 0 && (m[len - 1] == '\n' || m[len - 1] == ' '))
		len--;
	log_error("collector db (postgresql): %s: %.*s", what, (int)len, m);
}

/* Run a command with no parameters and no rows; 0 or -1 (logged). */
static int
plain(PGconn *c, const char *sql)
{
	PGresult *r = PQexec(c, sql);
	int ok = PQresultStatus(r) == PGRES_COMMAND_OK ||
	    PQresultStatus(r) == PGRES_TUPLES_OK;

	if (!ok)
		log_pg(sql, c, r);
	PQclear(r);
	return ok ? 0 : -1;
}

static void
conn_put(struct pg *d, struct pgc *p)
{
	pthread_mutex_lock(&d->lock);
	p->busy = 0;
	pthread_cond_signal(&d->cond);
	pthread_mutex_unlock(&d->lock);
}

/* Take a connection from the pool, (re)connecting it. NULL: logged. */
static struct pgc *
conn_get(struct pg *d)
{
	struct pgc *p = NULL;
	size_t i;

	pthread_mutex_lock(&d->lock);
	for (;;) {
		for (i = 0; i < PG_POOL && p == NULL; i++)
			if (!d->pool[i].busy && d->pool[i].c != NULL)
				p = &d->pool[i];
		for (i = 0; i < PG_POOL && p == NULL; i++)
			if (!d->pool[i].busy)
				p = &d->pool[i];
		if (p != NULL)
			break;
		pthread_cond_wait(&d->cond, &d->lock);
	}
	p->busy = 1;
	pthread_mutex_unlock(&d->lock);

	if (p->c == NULL) {
		p->c = PQconnectdb(d->conninfo);
		p->staged = 0;
	} else if (PQstatus(p->c) != CONNECTION_OK) {
		PQreset(p->c);
		p->staged = 0;
	}
	if (PQstatus(p->c) != CONNECTION_OK) {
		log_pg("cannot connect", p->c, NULL);
		PQfinish(p->c);
		p->c = NULL;
		goto fail;
	}
	/* Per session: quiet notices, and the staging table that ON COMMIT
	 * empties after every batch. */
	if (!p->staged && (plain(p->c, "SET client_min_messages = warning") ||
	    plain(p->c, "CREATE TEMP TABLE IF NOT EXISTS staging (LIKE visits "
	    "INCLUDING DEFAULTS) ON COMMIT DELETE ROWS")))
		goto fail;
	p->staged = 1;
	p->tx.d = &d->base;
	p->tx.failed = 0;
	p->open = 0;
	return p;
fail:
	conn_put(d, p);
	return NULL;
}

static void
pg_close(struct db *base)
{
	struct pg *d = (struct pg *)base;
	size_t i;

	for (i = 0; i < PG_POOL; i++)
		PQfinish(d->pool[i].c);
	pthread_mutex_destroy(&d->lock);
	pthread_cond_destroy(&d->cond);
	free(d->conninfo);
	free(d->days);
	free(d);
}

struct db *
db_pg_open(const char *conninfo)
{
	struct pg *d = calloc(1, sizeof(*d));
	struct pgc *p;

	if (d == NULL)
		return NULL;
	d->base.ops = &pg_ops;
	pthread_mutex_init(&d->lock, NULL);
	pthread_cond_init(&d->cond, NULL);
	d->conninfo = strdup(conninfo);
	if (d->conninfo == NULL) {
		pg_close(&d->base);
		return NULL;
	}
	/* The schema first: the pool's sessions make staging LIKE visits. */
	d->pool[0].c = PQconnectdb(conninfo);
	if (PQstatus(d->pool[0].c) != CONNECTION_OK) {
		log_pg("cannot connect", d->pool[0].c, NULL);
		pg_close(&d->base);
		return NULL;
	}
	if (plain(d->pool[0].c, schema) != 0) {
		log_error("collector db (postgresql): cannot set up the schema");
		pg_close(&d->base);
		return NULL;
	}
	p = conn_get(d);
	if (p == NULL) {
		pg_close(&d->base);
		return NULL;
	}
	conn_put(d, p);
	return &d->base;
}

static struct db_tx *
pg_begin(struct db *base, enum db_tx_mode mode)
{
	struct pg *d = (struct pg *)base;
	struct pgc *p = conn_get(d);

	if (p == NULL)
		return NULL;
	p->open = mode != DB_TX_ONE;
	if (p->open && plain(p->c, mode == DB_TX_READ ? "BEGIN READ ONLY" :
	    "BEGIN") != 0) {
		conn_put(d, p);
		return NULL;
	}
	return &p->tx;
}

static int
pg_end(struct db_tx *tx, int commit)
{
	struct pgc *p = (struct pgc *)tx;
	int rc = tx->failed || !commit ? -1 : 0;

	if (p->open) {
		if (rc == 0 && plain(p->c, "COMMIT") != 0)
			rc = -1;
		if (rc != 0)
			PQclear(PQexec(p->c, "ROLLBACK"));
	}
	p->open = 0;
	conn_put((struct pg *)tx->d, p);
	return rc;
}

static int64_t
pg_exec(struct db_tx *tx, const char *sql, const struct db_arg *args,
    size_t nargs, db_row_fn fn, void *ctx)
{
	struct pgc *p = (struct pgc *)tx;
	const char *vals[PG_MAX_ARGS];
	int lens[PG_MAX_ARGS], fmts[PG_MAX_ARGS];
	char nums[PG_MAX_ARGS][24];
	struct pg_row row = { { &pg_ops }, NULL, 0, NULL };
	int64_t rows = 0;
	size_t i;

	if (tx->failed || nargs > PG_MAX_ARGS) {
		tx->failed = 1;
		return DB_FAILED;
	}
	for (i = 0; i < nargs; i++) {
		fmts[i] = 0;
		lens[i] = 0;
		switch (args[i].type) {
		case DB_ARG_TEXT:
			vals[i] = args[i].text;
			break;
		case DB_ARG_INT:
			snprintf(nums[i], sizeof(nums[i]), "%" PRId64,
			    args[i].i);
			vals[i] = nums[i];
			break;
		case DB_ARG_BLOB:
			vals[i] = args[i].blob;
			lens[i] = (int)args[i].len;
			fmts[i] = 1;
			break;
		}
	}
	row.r = PQexecParams(p->c, sql, (int)nargs, NULL, vals, lens, fmts, 0);
	switch (PQresultStatus(row.r)) {
	case PGRES_TUPLES_OK:
		rows = PQntuples(row.r);
		for (row.i = 0; fn != NULL && row.i < rows; row.i++) {
			if (fn(ctx, &row.base) != 0) {
				log_error("collector db (postgresql): %s: a row "
				    "could not be read", sql);
				goto fail;
			}
		}
		break;
	case PGRES_COMMAND_OK:
		rows = strtoll(PQcmdTuples(row.r), NULL, 10);
		break;
	default:
		log_pg(sql, p->c, row.r);
		goto fail;
	}
	PQclear(row.r);
	free(row.bytes);
	return rows;
fail:
	PQclear(row.r);
	free(row.bytes);
	tx->failed = 1;
	return DB_FAILED;
}

static const char *
pg_text(const struct db_row *r, int col)
{
	const struct pg_row *pr = (const struct pg_row *)r;

	return PQgetvalue(pr->r, pr->i, col);
}

static int64_t
pg_integer(const struct db_row *r, int col)
{
	return strtoll(pg_text(r, col), NULL, 10);
}

/* bytea comes as text "\x<hex>": decoded into the row's scratch buffer. */
static const unsigned char *
pg_blob(const struct db_row *r, int col, size_t *len)
{
	struct pg_row *pr = (struct pg_row *)(uintptr_t)r;
	const char *hex = pg_text(r, col);
	size_t n = strlen(hex);

	*len = 0;
	if (PQgetisnull(pr->r, pr->i, col) || n < 2 || hex[0] != '\\' ||
	    hex[1] != 'x')
		return NULL;
	free(pr->bytes);
	pr->bytes = malloc(n / 2 + 1);
	if (pr->bytes == NULL || sodium_hex2bin(pr->bytes, n / 2 + 1, hex + 2,
	    n - 2, NULL, len, NULL) != 0) {
		*len = 0;
		return NULL;
	}
	return pr->bytes;
}

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

static void
days_forget(struct pg *d)
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
	if (plain(c, "BEGIN") != 0)
		return -1;
	if (plain(c, "SELECT pg_advisory_xact_lock(" LOCK_PARTITION ")") ||
	    plain(c, sql) || plain(c, "COMMIT")) {
		PQclear(PQexec(c, "ROLLBACK"));
		return -1;
	}
	day_remember(d, day);
	return 0;
}

static int
pg_prepare_rows(struct db *base, const struct wire_visit *v, size_t n)
{
	struct pg *d = (struct pg *)base;
	struct pgc *p = conn_get(d);
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
	conn_put(d, p);
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
		dynbuf_addf(&b, "%" PRId64 "\n", now_ms);
	}
	if (b.failed) {
		dynbuf_release(&b);
		log_error("collector db (postgresql): out of memory for COPY");
		return -1;
	}
	r = PQexec(c, "COPY staging(device_id, instance_id, seq, kind, "
	    "subject, sealed, direction, wall_ms, boot_id, mono_ms, source, "
	    "received_ms) FROM STDIN");
	ok = PQresultStatus(r) == PGRES_COPY_IN;
	if (!ok)
		log_pg("COPY", c, r);
	PQclear(r);
	if (ok)
		ok = PQputCopyData(c, b.p, (int)b.len) == 1;
	dynbuf_release(&b);
	if (PQputCopyEnd(c, ok ? NULL : "client gave up") != 1)
		ok = 0;
	while ((r = PQgetResult(c)) != NULL) {
		if (PQresultStatus(r) != PGRES_COMMAND_OK) {
			if (ok)
				log_pg("COPY", c, r);
			ok = 0;
		}
		PQclear(r);
	}
	return ok ? 0 : -1;
}

static int
pg_insert_visits(struct db_tx *tx, const struct wire_header *h,
    const struct wire_visit *v, size_t n, int64_t now_ms, int64_t *stored)
{
	struct pgc *p = (struct pgc *)tx;
	PGresult *r;

	*stored = 0;
	if (tx->failed || copy_rows(p->c, h, v, n, now_ms) != 0)
		goto fail;
	r = PQexec(p->c, "INSERT INTO visits SELECT * FROM staging ON "
	    "CONFLICT DO NOTHING");
	if (PQresultStatus(r) != PGRES_COMMAND_OK) {
		/* Another process purged a day we had cached. */
		if (strstr(PQerrorMessage(p->c), "no partition") != NULL) {
			PQclear(r);
			days_forget((struct pg *)tx->d);
			tx->failed = 1;
			return DB_RETRY;
		}
		log_pg("ingest", p->c, r);
		PQclear(r);
		goto fail;
	}
	*stored = strtoll(PQcmdTuples(r), NULL, 10);
	PQclear(r);
	return 0;
fail:
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
static int64_t
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
	days_forget((struct pg *)base);
	return gone;
}

static int64_t
pg_partitions(struct db *base)
{
	int64_t n = 0;

	if (db_one(base, DB_TX_ONE, "SELECT count(*) FROM pg_inherits WHERE "
	    "inhparent = 'visits'::regclass", NULL, 0, count_row, &n) < 0)
		return -1;
	return n;
}

static const struct db_ops pg_ops = {
	.name = "postgresql",
	.for_update = " FOR UPDATE",
	.close = pg_close,
	.begin = pg_begin,
	.end = pg_end,
	.exec = pg_exec,
	.text = pg_text,
	.integer = pg_integer,
	.blob = pg_blob,
	.prepare_rows = pg_prepare_rows,
	.insert_visits = pg_insert_visits,
	.purge = pg_purge,
	.partitions = pg_partitions,
};
