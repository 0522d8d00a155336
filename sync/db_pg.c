/*
 * db_pg: the collector's PostgreSQL backend (libpq). See db.h.
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
 * that broke (server restarted) is reset on its next use.
 */
#include "db_impl.h"

#include <inttypes.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <jansson.h>
#include <libpq-fe.h>
#include <sodium.h>

#include "log.h"

#define PG_POOL 4
#define DAY_MS INT64_C(86400000)
/* Advisory lock keys: schema set-up, and making partitions. */
#define LOCK_SCHEMA "727100"
#define LOCK_PARTITION "727101"

struct pgc {
	PGconn *c;
	int busy;
	int staged;		/* this session has its staging table */
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

static const struct db_ops pg_ops;
static void pg_close(struct db *base);

#define PG(x) ((struct pg *)(x))

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

/* Run SQL with text parameters; NULL (logged) unless it ended as WANT. */
static PGresult *
q(PGconn *c, const char *sql, int n, const char *const *params,
    ExecStatusType want)
{
	PGresult *r = PQexecParams(c, sql, n, NULL, params, NULL, NULL, 0);

	if (PQresultStatus(r) != want) {
		log_pg(sql, c, r);
		PQclear(r);
		return NULL;
	}
	return r;
}

/* Run a command that returns no rows. Returns 0 or -1 (logged). */
static int
cmd(PGconn *c, const char *sql, int n, const char *const *params)
{
	PGresult *r = q(c, sql, n, params, PGRES_COMMAND_OK);

	PQclear(r);
	return r != NULL ? 0 : -1;
}

static int
rollback(PGconn *c)
{
	PQclear(PQexec(c, "ROLLBACK"));
	return -1;
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
	if (!p->staged) {
		/* Per session: quiet notices, and the staging table that
		 * ON COMMIT empties after every batch. */
		if (cmd(p->c, "SET client_min_messages = warning", 0,
		    NULL) != 0 || cmd(p->c, "CREATE TEMP TABLE IF NOT EXISTS "
		    "staging (LIKE visits INCLUDING DEFAULTS) ON COMMIT DELETE "
		    "ROWS", 0, NULL) != 0)
			goto fail;
		p->staged = 1;
	}
	return p;
fail:
	pthread_mutex_lock(&d->lock);
	p->busy = 0;
	pthread_cond_signal(&d->cond);
	pthread_mutex_unlock(&d->lock);
	return NULL;
}

static void
conn_put(struct pg *d, struct pgc *p)
{
	pthread_mutex_lock(&d->lock);
	p->busy = 0;
	pthread_cond_signal(&d->cond);
	pthread_mutex_unlock(&d->lock);
}

struct db *
db_pg_open(const char *conninfo)
{
	struct pg *d;
	struct pgc *p;
	PGresult *r;

	d = calloc(1, sizeof(*d));
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
	r = PQexec(d->pool[0].c, schema);
	if (PQresultStatus(r) != PGRES_COMMAND_OK) {
		log_pg("cannot set up the schema", d->pool[0].c, r);
		PQclear(r);
		pg_close(&d->base);
		return NULL;
	}
	PQclear(r);
	p = conn_get(d);
	if (p == NULL) {
		pg_close(&d->base);
		return NULL;
	}
	conn_put(d, p);
	return &d->base;
}

static void
pg_close(struct db *base)
{
	struct pg *d = PG(base);
	size_t i;

	for (i = 0; i < PG_POOL; i++)
		PQfinish(d->pool[i].c);
	pthread_mutex_destroy(&d->lock);
	pthread_cond_destroy(&d->cond);
	free(d->conninfo);
	free(d->days);
	free(d);
}

static int64_t
day_of(int64_t ms)
{
	return ms >= 0 ? ms / DAY_MS : -((-ms + DAY_MS - 1) / DAY_MS);
}

static void
partition_name(int64_t day, char out[48])
{
	time_t t = (time_t)(day * 86400);
	struct tm tm;

	gmtime_r(&t, &tm);
	snprintf(out, 48, "visits_p%04d%02d%02d", tm.tm_year + 1900,
	    tm.tm_mon + 1, tm.tm_mday);
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
	if (d->ndays == d->cap) {
		size_t cap = d->cap ? d->cap * 2 : 64;
		int64_t *p = realloc(d->days, cap * sizeof(*p));

		if (p == NULL) {
			pthread_mutex_unlock(&d->lock);
			return;		/* only a cache */
		}
		d->days = p;
		d->cap = cap;
	}
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
	char name[48], sql[256];
	PGresult *r;

	if (day_known(d, day))
		return 0;
	partition_name(day, name);
	snprintf(sql, sizeof(sql), "CREATE TABLE IF NOT EXISTS %s PARTITION "
	    "OF visits FOR VALUES FROM (%" PRId64 ") TO (%" PRId64 ")", name,
	    day * DAY_MS, (day + 1) * DAY_MS);
	if (cmd(c, "BEGIN", 0, NULL) != 0)
		return -1;
	r = q(c, "SELECT pg_advisory_xact_lock(" LOCK_PARTITION ")", 0, NULL,
	    PGRES_TUPLES_OK);
	PQclear(r);
	if (r == NULL || cmd(c, sql, 0, NULL) != 0 ||
	    cmd(c, "COMMIT", 0, NULL) != 0)
		return rollback(c);
	day_remember(d, day);
	return 0;
}

static int
pg_token_put(struct db *base, const char *hash, const char *role,
    const char *ward, int64_t now_ms)
{
	struct pg *d = PG(base);
	struct pgc *p = conn_get(d);
	char now[24];
	const char *par[4] = { hash, role, ward, now };
	int rc;

	if (p == NULL)
		return -1;
	snprintf(now, sizeof(now), "%" PRId64, now_ms);
	rc = cmd(p->c, "INSERT INTO tokens(hash, role, ward, created_ms) "
	    "VALUES ($1, $2, $3, $4)", 4, par);
	conn_put(d, p);
	return rc;
}

static int
pg_token_role(struct db *base, const char *hash, char role[DB_ROLE_LEN], char *ward,
    size_t size)
{
	struct pg *d = PG(base);
	struct pgc *p = conn_get(d);
	const char *par[1] = { hash };
	PGresult *r;
	int ret = -1;

	if (p == NULL)
		return -1;
	r = q(p->c, "SELECT role, coalesce(ward, '') FROM tokens WHERE "
	    "hash = $1 AND used_ms IS NULL", 1, par, PGRES_TUPLES_OK);
	if (r != NULL) {
		ret = 1;
		if (PQntuples(r) == 1) {
			snprintf(role, DB_ROLE_LEN, "%s", PQgetvalue(r, 0, 0));
			snprintf(ward, size, "%s", PQgetvalue(r, 0, 1));
			ret = 0;
		}
	}
	PQclear(r);
	conn_put(d, p);
	return ret;
}

static int
pg_enroll(struct db *base, const char *hash, const struct db_device *dev,
    int64_t now_ms)
{
	struct pg *d = PG(base);
	struct pgc *p = conn_get(d);
	char now[24], pkhex[2 * KEYS_PUB_LEN + 3];
	const char *use[2] = { hash, now };
	const char *key[2] = { dev->device_id, pkhex };
	const char *ins[7] = { dev->device_id, pkhex, dev->venue_id,
	    dev->venue_name, dev->address, dev->ward, now };
	PGresult *r;
	int ret = -1;

	if (p == NULL)
		return -1;
	snprintf(now, sizeof(now), "%" PRId64, now_ms);
	memcpy(pkhex, "\\x", 2);
	sodium_bin2hex(pkhex + 2, sizeof(pkhex) - 2, dev->pk, KEYS_PUB_LEN);
	if (cmd(p->c, "BEGIN", 0, NULL) != 0)
		goto out;
	r = q(p->c, "UPDATE tokens SET used_ms = $2 WHERE hash = $1 AND "
	    "role = 'device-enrolment' AND used_ms IS NULL", 2, use,
	    PGRES_COMMAND_OK);
	if (r == NULL)
		goto rollback;
	if (strcmp(PQcmdTuples(r), "1") != 0) {
		PQclear(r);
		ret = 1;
		goto rollback;
	}
	PQclear(r);
	r = q(p->c, "SELECT pubkey = $2::bytea FROM devices WHERE device_id = "
	    "$1 FOR UPDATE", 2, key, PGRES_TUPLES_OK);
	if (r == NULL)
		goto rollback;
	if (PQntuples(r) == 1 && strcmp(PQgetvalue(r, 0, 0), "t") != 0) {
		PQclear(r);
		ret = 2;
		goto rollback;
	}
	PQclear(r);
	if (cmd(p->c, "INSERT INTO devices(device_id, pubkey, venue_id, "
	    "venue_name, address, ward, enrolled_ms) VALUES ($1, $2, $3, $4, "
	    "$5, $6, $7) ON CONFLICT (device_id) DO UPDATE SET venue_id = "
	    "excluded.venue_id, venue_name = excluded.venue_name, address = "
	    "excluded.address, ward = excluded.ward", 7, ins) != 0 ||
	    cmd(p->c, "COMMIT", 0, NULL) != 0)
		goto rollback;
	ret = 0;
	goto out;
rollback:
	(void)rollback(p->c);
out:
	conn_put(d, p);
	return ret;
}

static int
pg_device_key(struct db *base, const char *device_id,
    unsigned char pk[KEYS_PUB_LEN])
{
	struct pg *d = PG(base);
	struct pgc *p = conn_get(d);
	const char *par[1] = { device_id };
	PGresult *r;
	size_t len;
	int ret = -1;

	if (p == NULL)
		return -1;
	r = q(p->c, "SELECT encode(pubkey, 'hex') FROM devices WHERE "
	    "device_id = $1", 1, par, PGRES_TUPLES_OK);
	if (r != NULL) {
		ret = 1;
		if (PQntuples(r) == 1 && sodium_hex2bin(pk, KEYS_PUB_LEN,
		    PQgetvalue(r, 0, 0), strlen(PQgetvalue(r, 0, 0)), NULL,
		    &len, NULL) == 0 && len == KEYS_PUB_LEN)
			ret = 0;
	}
	PQclear(r);
	conn_put(d, p);
	return ret;
}

/* A growing buffer for COPY data. */
struct buf {
	char *p;
	size_t len, cap;
	int oom;
};

static void
buf_put(struct buf *b, const char *s, size_t n)
{
	if (b->oom)
		return;
	if (b->len + n + 1 > b->cap) {
		size_t cap = b->cap ? b->cap : 65536;
		char *p;

		while (cap < b->len + n + 1)
			cap *= 2;
		p = realloc(b->p, cap);
		if (p == NULL) {
			b->oom = 1;
			return;
		}
		b->p = p;
		b->cap = cap;
	}
	memcpy(b->p + b->len, s, n);
	b->len += n;
}

/* A text field in COPY's text format: backslash, tab, CR, LF escaped. */
static void
buf_field(struct buf *b, const char *s, char end)
{
	const char *run = s;

	for (; *s != '\0'; s++) {
		const char *esc = *s == '\\' ? "\\\\" : *s == '\t' ? "\\t" :
		    *s == '\n' ? "\\n" : *s == '\r' ? "\\r" : NULL;

		if (esc != NULL) {
			buf_put(b, run, (size_t)(s - run));
			buf_put(b, esc, 2);
			run = s + 1;
		}
	}
	buf_put(b, run, (size_t)(s - run));
	buf_put(b, &end, 1);
}

static void
buf_int(struct buf *b, int64_t v, char end)
{
	char s[24];
	int n = snprintf(s, sizeof(s), "%" PRId64 "%c", v, end);

	buf_put(b, s, (size_t)n);
}

static void
buf_bytea(struct buf *b, const unsigned char *p, size_t len, char end)
{
	static const char hex[] = "0123456789abcdef";
	size_t i;

	if (p == NULL) {
		buf_put(b, "\\N", 2);
		buf_put(b, &end, 1);
		return;
	}
	buf_put(b, "\\\\x", 3);
	for (i = 0; i < len; i++) {
		char two[2] = { hex[p[i] >> 4], hex[p[i] & 15] };

		buf_put(b, two, 2);
	}
	buf_put(b, &end, 1);
}

static int
reject_row(PGconn *c, const struct batch_header *h, int64_t seq,
    const char *why, int64_t now_ms)
{
	char s[24], now[24];
	const char *par[5] = { h->device, h->instance, s, why, now };

	snprintf(s, sizeof(s), "%" PRId64, seq);
	snprintf(now, sizeof(now), "%" PRId64, now_ms);
	return cmd(c, "INSERT INTO row_rejects(device_id, instance_id, seq, "
	    "reason, received_ms) VALUES ($1, $2, $3, $4, $5) ON CONFLICT DO "
	    "NOTHING", 5, par);
}

/* COPY the rows without a reject reason into staging. */
static int
copy_rows(PGconn *c, const struct batch_header *h,
    const struct batch_visit *v, size_t n, int64_t now_ms)
{
	struct buf b = { 0 };
	PGresult *r;
	size_t i;
	int ok;

	for (i = 0; i < n; i++) {
		if (v[i].reject != NULL)
			continue;
		buf_field(&b, h->device, '\t');
		buf_field(&b, h->instance, '\t');
		buf_int(&b, v[i].seq, '\t');
		buf_field(&b, v[i].kind, '\t');
		buf_field(&b, v[i].subject, '\t');
		buf_bytea(&b, v[i].sealed, v[i].sealed_len, '\t');
		buf_field(&b, v[i].direction, '\t');
		buf_int(&b, v[i].wall_ms, '\t');
		buf_field(&b, v[i].boot_id, '\t');
		buf_int(&b, v[i].mono_ms, '\t');
		buf_field(&b, v[i].source, '\t');
		buf_int(&b, now_ms, '\n');
	}
	if (b.oom) {
		free(b.p);
		log_error("collector db (postgresql): out of memory");
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
	free(b.p);
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

/*
 * A check-out needs a check-in of the same person at the same device no
 * later than it, stored before or in this batch. Those without one are
 * marked, recorded as rejects and taken out of staging.
 */
static int
checkouts(PGconn *c, const struct batch_header *h, struct batch_visit *v,
    size_t n, int64_t now_ms, int64_t *rejected)
{
	struct buf seqs = { 0 };
	PGresult *r;
	const char *par[1];
	int i, rows, rc = 0;
	size_t j;

	r = q(c, "SELECT s.seq FROM staging s WHERE s.direction = 'out' AND "
	    "NOT EXISTS (SELECT 1 FROM visits v WHERE v.kind = s.kind AND "
	    "v.subject = s.subject AND v.device_id = s.device_id AND "
	    "v.direction = 'in' AND v.wall_ms <= s.wall_ms) AND NOT EXISTS "
	    "(SELECT 1 FROM staging t WHERE t.kind = s.kind AND t.subject = "
	    "s.subject AND t.direction = 'in' AND t.wall_ms <= s.wall_ms)",
	    0, NULL, PGRES_TUPLES_OK);
	if (r == NULL)
		return -1;
	rows = PQntuples(r);
	buf_put(&seqs, "{", 1);
	for (i = 0; i < rows && rc == 0; i++) {
		const char *text = PQgetvalue(r, i, 0);
		int64_t seq = strtoll(text, NULL, 10);

		for (j = 0; j < n; j++)
			if (v[j].seq == seq && v[j].reject == NULL)
				v[j].reject = "checkout_before_checkin";
		rc = reject_row(c, h, seq, "checkout_before_checkin", now_ms);
		buf_field(&seqs, text, i + 1 < rows ? ',' : '}');
		(*rejected)++;
	}
	PQclear(r);
	buf_put(&seqs, "", 1);
	if (seqs.oom)
		rc = -1;
	par[0] = seqs.p;
	if (rc == 0 && rows > 0)
		rc = cmd(c, "DELETE FROM staging WHERE seq = ANY($1::bigint[])",
		    1, par);
	free(seqs.p);
	return rc;
}

/* No partition for a row: another process purged a day we had cached. */
static int
no_partition(PGconn *c)
{
	return strstr(PQerrorMessage(c), "no partition") != NULL;
}

static int
pg_ingest(struct db *base, const struct batch_header *h,
    struct batch_visit *v, size_t n, int64_t now_ms,
    struct db_ingest_res *res)
{
	struct pg *d = PG(base);
	struct pgc *p;
	PGresult *r;
	int64_t valid, rejected, last_day;
	int has_out, attempt;
	size_t i;

	memset(res, 0, sizeof(*res));
	p = conn_get(d);
	if (p == NULL)
		return -1;
	for (attempt = 0; attempt < 2; attempt++) {
		valid = rejected = 0;
		has_out = 0;
		for (i = 0, last_day = INT64_MIN; i < n; i++) {
			if (v[i].reject != NULL)
				continue;
			valid++;
			has_out |= strcmp(v[i].direction, "out") == 0;
			if (day_of(v[i].wall_ms) == last_day)
				continue;	/* rows come in time order */
			last_day = day_of(v[i].wall_ms);
			if (ensure_day(d, p->c, last_day) != 0)
				goto fail;
		}
		if (cmd(p->c, "BEGIN", 0, NULL) != 0)
			goto fail;
		for (i = 0; i < n; i++) {
			if (v[i].reject == NULL)
				continue;
			if (reject_row(p->c, h, v[i].seq, v[i].reject,
			    now_ms) != 0)
				goto rollback;
			rejected++;
		}
		if (valid > 0) {
			int64_t late = 0;

			if (copy_rows(p->c, h, v, n, now_ms) != 0)
				goto rollback;
			if (has_out && checkouts(p->c, h, v, n, now_ms,
			    &late) != 0)
				goto rollback;
			rejected += late;
			valid -= late;
			r = PQexec(p->c, "INSERT INTO visits SELECT * FROM "
			    "staging ON CONFLICT DO NOTHING");
			if (PQresultStatus(r) != PGRES_COMMAND_OK) {
				int retry = no_partition(p->c);

				if (!retry || attempt > 0)
					log_pg("ingest", p->c, r);
				PQclear(r);
				(void)rollback(p->c);
				if (retry) {
					days_forget(d);
					continue;
				}
				goto fail;
			}
			res->stored = strtoll(PQcmdTuples(r), NULL, 10);
			PQclear(r);
		}
		{
			char nowtext[24];
			const char *par[2] = { h->device, nowtext };

			snprintf(nowtext, sizeof(nowtext), "%" PRId64, now_ms);
			if (cmd(p->c, "UPDATE devices SET last_batch_ms = $2 "
			    "WHERE device_id = $1", 2, par) != 0)
				goto rollback;
		}
		/* Acknowledge only what is committed. */
		if (cmd(p->c, "COMMIT", 0, NULL) != 0)
			goto fail;
		res->duplicates = valid - res->stored;
		res->rejected = rejected;
		res->acked_through = h->last_seq;
		conn_put(d, p);
		return 0;
	}
	goto fail;
rollback:
	(void)rollback(p->c);
fail:
	conn_put(d, p);
	memset(res, 0, sizeof(*res));
	return -1;
}

static int
pg_device_venue(struct db *base, const char *device_id, char *name,
    size_t size)
{
	struct pg *d = PG(base);
	struct pgc *p = conn_get(d);
	const char *par[1] = { device_id };
	PGresult *r;
	int ret = -1;

	if (p == NULL)
		return -1;
	r = q(p->c, "SELECT venue_name FROM devices WHERE device_id = $1", 1,
	    par, PGRES_TUPLES_OK);
	if (r != NULL) {
		ret = 1;
		if (PQntuples(r) == 1) {
			snprintf(name, size, "%s", PQgetvalue(r, 0, 0));
			ret = 0;
		}
	}
	PQclear(r);
	conn_put(d, p);
	return ret;
}

static int
pg_phone_checkin(struct db *base, const char *device_id, const char *kind,
    const char *subject, int64_t now_ms, int64_t window_ms,
    char *venue_name, size_t size)
{
	struct pg *d = PG(base);
	struct pgc *p = conn_get(d);
	char now[24], since[24];
	const char *dev[1] = { device_id };
	const char *dup[4] = { kind, subject, device_id, since };
	const char *ins[4] = { device_id, kind, subject, now };
	PGresult *r;
	int ret = -1;

	if (p == NULL)
		return -1;
	snprintf(now, sizeof(now), "%" PRId64, now_ms);
	snprintf(since, sizeof(since), "%" PRId64, now_ms - window_ms);
	if (ensure_day(d, p->c, day_of(now_ms)) != 0 ||
	    cmd(p->c, "BEGIN", 0, NULL) != 0)
		goto out;
	/* The device's row lock serialises its phone visits' seqs. */
	r = q(p->c, "SELECT venue_name FROM devices WHERE device_id = $1 FOR "
	    "UPDATE", 1, dev, PGRES_TUPLES_OK);
	if (r == NULL)
		goto rollback;
	if (PQntuples(r) != 1) {
		PQclear(r);
		ret = 2;
		goto rollback;
	}
	snprintf(venue_name, size, "%s", PQgetvalue(r, 0, 0));
	PQclear(r);
	r = q(p->c, "SELECT 1 FROM visits WHERE kind = $1 AND subject = $2 AND "
	    "device_id = $3 AND wall_ms > $4 LIMIT 1", 4, dup,
	    PGRES_TUPLES_OK);
	if (r == NULL)
		goto rollback;
	if (PQntuples(r) > 0) {
		PQclear(r);
		ret = 1;
		goto rollback;
	}
	PQclear(r);
	if (cmd(p->c, "INSERT INTO visits(device_id, instance_id, seq, kind, "
	    "subject, direction, wall_ms, boot_id, mono_ms, source, "
	    "received_ms) SELECT $1, 'phone', coalesce(max(seq), 0) + 1, $2, "
	    "$3, 'in', $4, 'phone', 0, 'phone', $4 FROM visits WHERE "
	    "device_id = $1 AND instance_id = 'phone'", 4, ins) != 0 ||
	    cmd(p->c, "COMMIT", 0, NULL) != 0)
		goto rollback;
	ret = 0;
	goto out;
rollback:
	(void)rollback(p->c);
out:
	conn_put(d, p);
	return ret;
}

static int
pg_heartbeat(struct db *base, const char *device_id, const char *json,
    int64_t sent_at_ms, int64_t now_ms)
{
	struct pg *d = PG(base);
	struct pgc *p = conn_get(d);
	char now[24], sent[24], drift[24];
	const char *par[5] = { device_id, now, sent, drift, json };
	int rc;

	if (p == NULL)
		return -1;
	snprintf(now, sizeof(now), "%" PRId64, now_ms);
	snprintf(sent, sizeof(sent), "%" PRId64, sent_at_ms);
	snprintf(drift, sizeof(drift), "%" PRId64, sent_at_ms - now_ms);
	rc = cmd(p->c, "INSERT INTO heartbeats(device_id, received_ms, "
	    "sent_at_ms, drift_ms, detail) VALUES ($1, $2, $3, $4, $5)", 5,
	    par);
	conn_put(d, p);
	return rc;
}

static json_int_t
count(PGconn *c, const char *sql)
{
	PGresult *r = q(c, sql, 0, NULL, PGRES_TUPLES_OK);
	json_int_t n = -1;

	if (r != NULL && PQntuples(r) == 1)
		n = strtoll(PQgetvalue(r, 0, 0), NULL, 10);
	PQclear(r);
	return n;
}

static char *
pg_stats(struct db *base)
{
	struct pg *d = PG(base);
	struct pgc *p = conn_get(d);
	json_t *o, *per;
	PGresult *r;
	char *s;
	int i;

	if (p == NULL)
		return NULL;
	o = json_object();
	per = json_object();
	json_object_set_new(o, "devices", json_integer(count(p->c,
	    "SELECT count(*) FROM devices")));
	json_object_set_new(o, "visits", json_integer(count(p->c,
	    "SELECT count(*) FROM visits")));
	json_object_set_new(o, "rejects", json_integer(count(p->c,
	    "SELECT count(*) FROM row_rejects")));
	json_object_set_new(o, "heartbeats", json_integer(count(p->c,
	    "SELECT count(*) FROM heartbeats")));
	json_object_set_new(o, "partitions", json_integer(count(p->c,
	    "SELECT count(*) FROM pg_inherits WHERE inhparent = "
	    "'visits'::regclass")));
	r = q(p->c, "SELECT device_id, instance_id, max(seq), count(*) FROM "
	    "visits GROUP BY device_id, instance_id ORDER BY device_id", 0,
	    NULL, PGRES_TUPLES_OK);
	for (i = 0; r != NULL && i < PQntuples(r); i++) {
		char key[80];

		snprintf(key, sizeof(key), "%s/%s", PQgetvalue(r, i, 0),
		    PQgetvalue(r, i, 1));
		json_object_set_new(per, key, json_pack("{s:I, s:I}",
		    "max_seq", (json_int_t)strtoll(PQgetvalue(r, i, 2), NULL,
		    10), "visits", (json_int_t)strtoll(PQgetvalue(r, i, 3),
		    NULL, 10)));
	}
	PQclear(r);
	conn_put(d, p);
	json_object_set_new(o, "per_device", per);
	s = json_dumps(o, JSON_COMPACT | JSON_PRESERVE_ORDER);
	json_decref(o);
	return s;
}

/* Retention: drop every day partition that ended at or before BEFORE_MS. */
static int64_t
pg_purge(struct db *base, int64_t before_ms)
{
	struct pg *d = PG(base);
	struct pgc *p = conn_get(d);
	PGresult *r;
	int64_t gone = 0;
	int i;

	if (p == NULL)
		return -1;
	r = q(p->c, "SELECT c.relname FROM pg_inherits i JOIN pg_class c ON "
	    "c.oid = i.inhrelid WHERE i.inhparent = 'visits'::regclass AND "
	    "c.relname ~ '^visits_p[0-9]{8}$' ORDER BY 1", 0, NULL,
	    PGRES_TUPLES_OK);
	if (r == NULL) {
		conn_put(d, p);
		return -1;
	}
	for (i = 0; i < PQntuples(r) && gone >= 0; i++) {
		const char *name = PQgetvalue(r, i, 0);
		struct tm tm = { 0 };
		char sql[96];
		int64_t day;

		if (sscanf(name, "visits_p%4d%2d%2d", &tm.tm_year, &tm.tm_mon,
		    &tm.tm_mday) != 3)
			continue;
		tm.tm_year -= 1900;
		tm.tm_mon -= 1;
		day = (int64_t)timegm(&tm) / 86400;
		if ((day + 1) * DAY_MS > before_ms)
			continue;
		snprintf(sql, sizeof(sql), "SELECT count(*) FROM %s", name);
		gone += count(p->c, sql);
		snprintf(sql, sizeof(sql), "DROP TABLE %s", name);
		if (cmd(p->c, sql, 0, NULL) != 0)
			gone = -1;
	}
	PQclear(r);
	days_forget(d);
	conn_put(d, p);
	return gone;
}

static int
pg_visits(struct db *base, const char *kind, const char *subject,
    const char *venue_id, int64_t from_ms, int64_t to_ms,
    struct db_visit **out, size_t *n)
{
	struct pg *d = PG(base);
	struct pgc *p = conn_get(d);
	char from[24], to[24];
	const char *by_subject[4] = { kind, subject, from, to };
	const char *by_venue[3] = { venue_id, from, to };
	PGresult *r;
	size_t cap = 0;
	int i, ret = 0;

	*out = NULL;
	*n = 0;
	if (p == NULL)
		return -1;
	snprintf(from, sizeof(from), "%" PRId64, from_ms);
	snprintf(to, sizeof(to), "%" PRId64, to_ms);
	if (venue_id == NULL)
		r = q(p->c, "SELECT v.device_id, d.venue_id, d.venue_name, "
		    "coalesce(d.address, ''), coalesce(d.ward, ''), v.kind, "
		    "v.subject, v.direction, v.source, v.wall_ms, "
		    "encode(v.sealed, 'hex') FROM visits v JOIN devices d ON "
		    "d.device_id = v.device_id WHERE v.kind = $1 AND v.subject = "
		    "$2 AND v.wall_ms >= $3 AND v.wall_ms < $4 ORDER BY "
		    "v.wall_ms", 4, by_subject, PGRES_TUPLES_OK);
	else
		r = q(p->c, "SELECT v.device_id, d.venue_id, d.venue_name, "
		    "coalesce(d.address, ''), coalesce(d.ward, ''), v.kind, "
		    "v.subject, v.direction, v.source, v.wall_ms, "
		    "encode(v.sealed, 'hex') FROM devices d JOIN visits v ON "
		    "v.device_id = d.device_id WHERE d.venue_id = $1 AND "
		    "v.wall_ms >= $2 AND v.wall_ms < $3 ORDER BY v.wall_ms", 3,
		    by_venue, PGRES_TUPLES_OK);
	if (r == NULL) {
		conn_put(d, p);
		return -1;
	}
	for (i = 0; i < PQntuples(r) && ret == 0; i++) {
		struct db_visit *v = db_visit_push(out, n, &cap);
		const char *hex = PQgetvalue(r, i, 10);
		size_t hlen = strlen(hex);

		if (v == NULL) {
			ret = -1;
			break;
		}
		snprintf(v->device_id, sizeof(v->device_id), "%s",
		    PQgetvalue(r, i, 0));
		snprintf(v->venue_id, sizeof(v->venue_id), "%s",
		    PQgetvalue(r, i, 1));
		snprintf(v->venue_name, sizeof(v->venue_name), "%s",
		    PQgetvalue(r, i, 2));
		snprintf(v->address, sizeof(v->address), "%s",
		    PQgetvalue(r, i, 3));
		snprintf(v->ward, sizeof(v->ward), "%s", PQgetvalue(r, i, 4));
		snprintf(v->kind, sizeof(v->kind), "%s", PQgetvalue(r, i, 5));
		snprintf(v->subject, sizeof(v->subject), "%s",
		    PQgetvalue(r, i, 6));
		snprintf(v->direction, sizeof(v->direction), "%s",
		    PQgetvalue(r, i, 7));
		snprintf(v->source, sizeof(v->source), "%s",
		    PQgetvalue(r, i, 8));
		v->wall_ms = strtoll(PQgetvalue(r, i, 9), NULL, 10);
		if (hlen > 0 && (v->sealed = malloc(hlen / 2)) != NULL &&
		    sodium_hex2bin(v->sealed, hlen / 2, hex, hlen, NULL,
		    &v->sealed_len, NULL) != 0)
			ret = -1;
	}
	PQclear(r);
	conn_put(d, p);
	if (ret != 0) {
		db_visits_free(*out, *n);
		*out = NULL;
		*n = 0;
	}
	return ret;
}

static int
pg_audit_add(struct db *base, int64_t at_ms, const char *who,
    const char *action, const char *detail_json, int64_t results)
{
	struct pg *d = PG(base);
	struct pgc *p = conn_get(d);
	char at[24], res[24];
	const char *par[5] = { at, who, action, detail_json, res };
	int rc;

	if (p == NULL)
		return -1;
	snprintf(at, sizeof(at), "%" PRId64, at_ms);
	snprintf(res, sizeof(res), "%" PRId64, results);
	rc = cmd(p->c, "INSERT INTO audit(at_ms, who, action, detail, results) "
	    "VALUES ($1, $2, $3, $4, $5)", 5, par);
	conn_put(d, p);
	return rc;
}

static char *
pg_audit_list(struct db *base)
{
	struct pg *d = PG(base);
	struct pgc *p = conn_get(d);
	json_t *a;
	PGresult *r;
	char *s = NULL;
	int i;

	if (p == NULL)
		return NULL;
	r = q(p->c, "SELECT at_ms, who, action, detail, results FROM audit "
	    "ORDER BY id", 0, NULL, PGRES_TUPLES_OK);
	conn_put(d, p);
	if (r == NULL)
		return NULL;
	a = json_array();
	for (i = 0; i < PQntuples(r); i++) {
		json_t *detail = json_loads(PQgetvalue(r, i, 3), 0, NULL);

		json_array_append_new(a, json_pack("{s:I, s:s, s:s, s:o, s:I}",
		    "at_ms", (json_int_t)strtoll(PQgetvalue(r, i, 0), NULL, 10),
		    "who", PQgetvalue(r, i, 1), "action", PQgetvalue(r, i, 2),
		    "detail", detail ? detail : json_null(), "results",
		    (json_int_t)strtoll(PQgetvalue(r, i, 4), NULL, 10)));
	}
	PQclear(r);
	s = json_dumps(a, JSON_COMPACT | JSON_PRESERVE_ORDER);
	json_decref(a);
	return s;
}

static int
pg_ward_devices(struct db *base, const char *ward,
    struct db_venue_status **out, size_t *n)
{
	struct pg *d = PG(base);
	struct pgc *p = conn_get(d);
	const char *par[1] = { ward };
	struct db_venue_status *v;
	PGresult *r;
	int i;

	*n = 0;
	if (p == NULL)
		return -1;
	r = q(p->c, "SELECT d.device_id, d.venue_id, d.venue_name, "
	    "coalesce(d.address, ''), coalesce(d.ward, ''), "
	    "coalesce(d.last_batch_ms, 0), coalesce(h.received_ms, 0), "
	    "coalesce(h.detail, '') FROM devices d LEFT JOIN LATERAL (SELECT "
	    "received_ms, detail FROM heartbeats WHERE device_id = d.device_id "
	    "ORDER BY received_ms DESC LIMIT 1) h ON true WHERE d.ward = $1 "
	    "ORDER BY d.venue_id, d.device_id", 1, par, PGRES_TUPLES_OK);
	conn_put(d, p);
	if (r == NULL)
		return -1;
	v = calloc((size_t)PQntuples(r) + 1, sizeof(*v));
	if (v == NULL) {
		PQclear(r);
		return -1;
	}
	for (i = 0; i < PQntuples(r); i++) {
		struct db_venue_status *e = &v[i];

		snprintf(e->dev.device_id, sizeof(e->dev.device_id), "%s",
		    PQgetvalue(r, i, 0));
		snprintf(e->dev.venue_id, sizeof(e->dev.venue_id), "%s",
		    PQgetvalue(r, i, 1));
		snprintf(e->dev.venue_name, sizeof(e->dev.venue_name), "%s",
		    PQgetvalue(r, i, 2));
		snprintf(e->dev.address, sizeof(e->dev.address), "%s",
		    PQgetvalue(r, i, 3));
		snprintf(e->dev.ward, sizeof(e->dev.ward), "%s",
		    PQgetvalue(r, i, 4));
		e->last_upload_ms = strtoll(PQgetvalue(r, i, 5), NULL, 10);
		e->last_heartbeat_ms = strtoll(PQgetvalue(r, i, 6), NULL, 10);
		snprintf(e->last_detail, sizeof(e->last_detail), "%s",
		    PQgetvalue(r, i, 7));
	}
	*n = (size_t)PQntuples(r);
	*out = v;
	PQclear(r);
	return 0;
}

static int64_t
pg_count_visits(struct db *base, const char *device_id, int64_t from_ms,
    int64_t to_ms)
{
	struct pg *d = PG(base);
	struct pgc *p = conn_get(d);
	char from[24], to[24];
	const char *par[3] = { device_id, from, to };
	PGresult *r;
	int64_t c = -1;

	if (p == NULL)
		return -1;
	snprintf(from, sizeof(from), "%" PRId64, from_ms);
	snprintf(to, sizeof(to), "%" PRId64, to_ms);
	r = q(p->c, "SELECT count(*) FROM visits WHERE device_id = $1 AND "
	    "direction = 'in' AND wall_ms >= $2 AND wall_ms < $3", 3, par,
	    PGRES_TUPLES_OK);
	if (r != NULL && PQntuples(r) == 1)
		c = strtoll(PQgetvalue(r, 0, 0), NULL, 10);
	PQclear(r);
	conn_put(d, p);
	return c;
}

static int
pg_heartbeat_times(struct db *base, const char *device_id, int64_t from_ms,
    int64_t to_ms, int64_t **out, size_t *n)
{
	struct pg *d = PG(base);
	struct pgc *p = conn_get(d);
	char from[24], to[24];
	const char *par[3] = { device_id, from, to };
	PGresult *r;
	int i;

	*n = 0;
	if (p == NULL)
		return -1;
	snprintf(from, sizeof(from), "%" PRId64, from_ms);
	snprintf(to, sizeof(to), "%" PRId64, to_ms);
	r = q(p->c, "SELECT received_ms FROM heartbeats WHERE device_id = $1 "
	    "AND received_ms >= $2 AND received_ms < $3 ORDER BY received_ms",
	    3, par, PGRES_TUPLES_OK);
	conn_put(d, p);
	if (r == NULL)
		return -1;
	*out = calloc((size_t)PQntuples(r) + 1, sizeof(**out));
	if (*out == NULL) {
		PQclear(r);
		return -1;
	}
	for (i = 0; i < PQntuples(r); i++)
		(*out)[i] = strtoll(PQgetvalue(r, i, 0), NULL, 10);
	*n = (size_t)PQntuples(r);
	PQclear(r);
	return 0;
}

static int
pg_inspection_add(struct db *base, const char *device_id, int64_t at_ms,
    const char *pass_id, const char *issuer, int64_t now_ms)
{
	struct pg *d = PG(base);
	struct pgc *p = conn_get(d);
	char at[24], now[24];
	const char *par[5] = { device_id, at, pass_id, issuer, now };
	int rc;

	if (p == NULL)
		return -1;
	snprintf(at, sizeof(at), "%" PRId64, at_ms);
	snprintf(now, sizeof(now), "%" PRId64, now_ms);
	rc = cmd(p->c, "INSERT INTO inspections(device_id, at_ms, pass_id, "
	    "issuer, received_ms) VALUES ($1, $2, $3, $4, $5) ON CONFLICT DO "
	    "NOTHING", 5, par);
	conn_put(d, p);
	return rc;
}

static char *
pg_inspections(struct db *base, const char *device_id, int64_t from_ms,
    int64_t to_ms)
{
	struct pg *d = PG(base);
	struct pgc *p = conn_get(d);
	char from[24], to[24], *s;
	const char *par[3] = { device_id, from, to };
	PGresult *r;
	json_t *a;
	int i;

	if (p == NULL)
		return NULL;
	snprintf(from, sizeof(from), "%" PRId64, from_ms);
	snprintf(to, sizeof(to), "%" PRId64, to_ms);
	r = q(p->c, "SELECT at_ms, pass_id, issuer FROM inspections WHERE "
	    "device_id = $1 AND at_ms >= $2 AND at_ms < $3 ORDER BY at_ms", 3,
	    par, PGRES_TUPLES_OK);
	conn_put(d, p);
	if (r == NULL)
		return NULL;
	a = json_array();
	for (i = 0; i < PQntuples(r); i++)
		json_array_append_new(a, json_pack("{s:I, s:s, s:s}", "at_ms",
		    (json_int_t)strtoll(PQgetvalue(r, i, 0), NULL, 10),
		    "pass_id", PQgetvalue(r, i, 1), "issuer",
		    PQgetvalue(r, i, 2)));
	PQclear(r);
	s = json_dumps(a, JSON_COMPACT);
	json_decref(a);
	return s;
}

static const struct db_ops pg_ops = {
	.name = "postgresql",
	.close = pg_close,
	.token_put = pg_token_put,
	.token_role = pg_token_role,
	.enroll = pg_enroll,
	.device_key = pg_device_key,
	.ingest = pg_ingest,
	.device_venue = pg_device_venue,
	.phone_checkin = pg_phone_checkin,
	.heartbeat = pg_heartbeat,
	.stats = pg_stats,
	.purge = pg_purge,
	.visits = pg_visits,
	.audit_add = pg_audit_add,
	.audit_list = pg_audit_list,
	.ward_devices = pg_ward_devices,
	.count_visits = pg_count_visits,
	.heartbeat_times = pg_heartbeat_times,
	.inspection_add = pg_inspection_add,
	.inspections = pg_inspections,
};
