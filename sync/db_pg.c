/*
 * db_pg: the collector's PostgreSQL backend (libpq), for a city. See
 * db_impl.h.
 *
 * Visits live in a table partitioned by day (UTC) on wall_ms, one
 * partition per day made on demand, so retention drops whole partitions
 * instead of deleting rows. A batch is loaded by COPY into a per-session
 * temporary staging table, then moved with INSERT ... ON CONFLICT DO
 * NOTHING in the same transaction. PostgreSQL wants the partition key
 * (wall_ms) in every unique index, and one visit can arrive under two
 * times (re-filed at its arrival, or re-dated by its kiosk after an
 * acknowledgement was lost), so its identity (device, instance, seq) is
 * kept in visit_keys: a visit goes in only with its new key, and a
 * concurrent resend waits on that key and then stores nothing: the same
 * rule as SQLite's primary key.
 *
 * A small pool of connections serves the server's threads; a connection
 * that broke (server restarted) is reset on its next use. Every failure is
 * logged once, here, with the server's own message.
 */
#include "db_pg_impl.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "ktime.h"
#include "log.h"

#define PG_MAX_ARGS 1024
#define DB_STATEMENT_TEXT "60000"	/* DB_STATEMENT_MS */
/* Advisory lock key for setting up the schema. */
#define LOCK_SCHEMA "727100"

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
	/* Not on a coordinator of district shards, whose visits are
	 * foreign tables on the districts' servers (db_pg_shards.c). */
	"DO $$BEGIN IF NOT EXISTS (SELECT 1 FROM pg_partitioned_table WHERE"
	"  partrelid = 'visits'::regclass AND partstrat = 'l') THEN"
	"  CREATE INDEX IF NOT EXISTS visits_subject ON visits(kind, subject,"
	"    wall_ms);"
	"  CREATE INDEX IF NOT EXISTS visits_device_time ON visits(device_id,"
	"    wall_ms);"
	"END IF; END$$;"
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
	"ALTER TABLE visits ADD COLUMN IF NOT EXISTS clock smallint NOT NULL"
	"  DEFAULT 0;"
	"ALTER TABLE visits ADD COLUMN IF NOT EXISTS claimed_ms bigint;"
	/* The last heartbeat's sent-at time (a replay is not newer), when
	 * the device was revoked; what an enrolment token is bound to. */
	"ALTER TABLE devices ADD COLUMN IF NOT EXISTS last_beat_ms bigint;"
	"ALTER TABLE devices ADD COLUMN IF NOT EXISTS revoked_ms bigint;"
	"ALTER TABLE tokens ADD COLUMN IF NOT EXISTS venue_id text;"
	"ALTER TABLE tokens ADD COLUMN IF NOT EXISTS venue_name text;"
	"ALTER TABLE tokens ADD COLUMN IF NOT EXISTS address text;"
	"ALTER TABLE tokens ADD COLUMN IF NOT EXISTS expires_ms bigint;"
	"ALTER TABLE tokens ADD COLUMN IF NOT EXISTS revoked_ms bigint;"
	/* The collector's own key and the health authority's; the wards'
	 * pass issuers and the passes revoked (the kiosks' pass lists). */
	"CREATE TABLE IF NOT EXISTS settings("
	"  name text PRIMARY KEY, value text NOT NULL);"
	"CREATE TABLE IF NOT EXISTS pass_issuers("
	"  ward text NOT NULL, pubkey text NOT NULL, added_ms bigint NOT NULL,"
	"  PRIMARY KEY (ward, pubkey));"
	"CREATE TABLE IF NOT EXISTS pass_revoked("
	"  pass_id text PRIMARY KEY, revoked_ms bigint NOT NULL);"
	"CREATE INDEX IF NOT EXISTS heartbeats_received ON heartbeats("
	"  received_ms);"
	/* A visit is stored once by (device, instance, seq), whatever time
	 * it is filed under (re-filed, or re-dated by the kiosk after a lost
	 * acknowledgement): the partitioned table's key must hold wall_ms,
	 * so the identity has a table of its own. */
	"CREATE TABLE IF NOT EXISTS visit_keys("
	"  device_id text NOT NULL, instance_id text NOT NULL,"
	"  seq bigint NOT NULL, received_ms bigint NOT NULL,"
	"  PRIMARY KEY (device_id, instance_id, seq));"
	"DO $$BEGIN IF NOT EXISTS (SELECT 1 FROM pg_partitioned_table WHERE"
	"  partrelid = 'visits'::regclass AND partstrat = 'l') THEN"
	"  INSERT INTO visit_keys SELECT device_id, instance_id, seq,"
	"    received_ms FROM visits WHERE NOT EXISTS (SELECT 1 FROM"
	"    visit_keys) ON CONFLICT DO NOTHING;"
	"END IF; END$$;"
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
void
pg_log(const char *what, PGconn *c, const PGresult *r)
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

void
pg_note_failure(struct pgc *p, const PGresult *r)
{
	const char *st = PQresultErrorField(r, PG_DIAG_SQLSTATE);

	/* 25006 read_only_sql_transaction; 57P01-57P03 shutdown, crash
	 * shutdown, cannot connect now; 08 connection exceptions. */
	if (st == NULL || strcmp(st, "25006") == 0 ||
	    strncmp(st, "57P", 3) == 0 || strncmp(st, "08", 2) == 0)
		p->stale = 1;
}

/* Run a command with no parameters and no rows; 0 or -1 (logged). */
int
pg_plain(PGconn *c, const char *sql)
{
	PGresult *r = PQexec(c, sql);
	int ok = PQresultStatus(r) == PGRES_COMMAND_OK ||
	    PQresultStatus(r) == PGRES_TUPLES_OK;

	if (!ok)
		pg_log(sql, c, r);
	PQclear(r);
	return ok ? 0 : -1;
}

void
pg_conn_put(struct pg *d, struct pgc *p)
{
	pthread_mutex_lock(&d->lock);
	p->busy = 0;
	pthread_cond_signal(&d->cond);
	pthread_mutex_unlock(&d->lock);
}

/* Take a connection from the pool, (re)connecting it. NULL: logged. */
struct pgc *
pg_conn_get(struct pg *d)
{
	struct pgc *p = NULL;
	size_t i;

	pthread_mutex_lock(&d->lock);
	for (;;) {
		for (i = 0; i < d->npool && p == NULL; i++)
			if (!d->pool[i].busy && d->pool[i].c != NULL)
				p = &d->pool[i];
		for (i = 0; i < d->npool && p == NULL; i++)
			if (!d->pool[i].busy)
				p = &d->pool[i];
		if (p != NULL)
			break;
		pthread_cond_wait(&d->cond, &d->lock);
	}
	p->busy = 1;
	pthread_mutex_unlock(&d->lock);

	/* After a failover (libpq's multi-host URI with
	 * target_session_attrs=read-write): a session on a server that
	 * became a standby, or is shutting down, is dropped and made again,
	 * which finds the new primary. */
	if (p->c != NULL && p->stale) {
		PQfinish(p->c);
		p->c = NULL;
	}
	p->stale = 0;
	if (p->c == NULL) {
		p->c = PQconnectdb(d->conninfo);
		p->staged = 0;
	} else if (PQstatus(p->c) != CONNECTION_OK) {
		PQreset(p->c);
		p->staged = 0;
	}
	if (PQstatus(p->c) != CONNECTION_OK) {
		pg_log("cannot connect", p->c, NULL);
		PQfinish(p->c);
		p->c = NULL;
		goto fail;
	}
	/* Per session: quiet notices, and the staging table that ON COMMIT
	 * empties after every batch. */
	if (!p->staged && d->reader && (pg_plain(p->c, "SET client_min_messages "
	    "= warning") || pg_plain(p->c, "SET statement_timeout = "
	    DB_STATEMENT_TEXT)))
		goto fail;
	if (!p->staged && !d->reader && (pg_plain(p->c, "SET client_min_messages = warning") ||
	    pg_plain(p->c, "SET statement_timeout = " DB_STATEMENT_TEXT) ||
	    pg_plain(p->c, "CREATE TEMP TABLE IF NOT EXISTS staging (LIKE visits "
	    "INCLUDING DEFAULTS) ON COMMIT DELETE ROWS")))
		goto fail;
	p->staged = 1;
	p->tx.d = &d->base;
	p->tx.failed = 0;
	p->open = 0;
	return p;
fail:
	if (p->c != NULL)
		p->stale = 1;
	pg_conn_put(d, p);
	return NULL;
}

static void
pg_close(struct db *base)
{
	struct pg *d = (struct pg *)base;
	size_t i;

	shards_free(d->base.shards);
	for (i = 0; i < d->npool; i++)
		PQfinish(d->pool[i].c);
	free(d->pool);
	pthread_mutex_destroy(&d->lock);
	pthread_cond_destroy(&d->cond);
	free(d->conninfo);
	free(d->days);
	free(d);
}

/* Does C's database hold a collector's tables? 1, 0 (logged), -1. */
static int
pg_is_store(PGconn *c)
{
	PGresult *r = PQexec(c, "SELECT to_regclass('devices') IS NOT NULL");
	int found;

	if (PQresultStatus(r) != PGRES_TUPLES_OK) {
		pg_log("cannot look at the database", c, r);
		PQclear(r);
		return -1;
	}
	found = strcmp(PQgetvalue(r, 0, 0), "t") == 0;
	PQclear(r);
	/* Named by database and host: the URL may hold a password. */
	if (!found)
		log_error("database '%s' on %s is not a collector database (no "
		    "collector tables in it): give the right --db, or make it "
		    "one with: collector init --db URL", PQdb(c),
		    PQhost(c) ? PQhost(c) : "the local server");
	return found;
}

struct db *
db_pg_open(const char *conninfo, int connections, int create, int reader)
{
	struct pg *d = calloc(1, sizeof(*d));
	struct pgc *p;

	if (d == NULL)
		return NULL;
	d->base.ops = &pg_ops;
	d->reader = reader;
	pthread_mutex_init(&d->lock, NULL);
	pthread_cond_init(&d->cond, NULL);
	d->conninfo = strdup(conninfo);
	d->pool = calloc((size_t)connections, sizeof(*d->pool));
	d->npool = d->pool != NULL ? (size_t)connections : 0;
	if (d->conninfo == NULL || d->pool == NULL) {
		pg_close(&d->base);
		return NULL;
	}
	/* The schema first: the pool's sessions make staging LIKE visits. */
	d->pool[0].c = PQconnectdb(conninfo);
	if (PQstatus(d->pool[0].c) != CONNECTION_OK) {
		pg_log("cannot connect", d->pool[0].c, NULL);
		pg_close(&d->base);
		return NULL;
	}
	if ((!create && pg_is_store(d->pool[0].c) != 1) ||
	    (!reader && pg_plain(d->pool[0].c, schema) != 0)) {	/* logged */
		pg_close(&d->base);
		return NULL;
	}
	p = pg_conn_get(d);
	if (p == NULL) {
		pg_close(&d->base);
		return NULL;
	}
	pg_conn_put(d, p);
	/* A coordinator's district shards (db_pg_shards.c); a reader knows
	 * them too, to ask a venue's district only. */
	if (shards_load(&d->base) != 0) {
		pg_close(&d->base);
		return NULL;
	}
	return &d->base;
}

static struct db_tx *
pg_begin(struct db *base, enum db_tx_mode mode)
{
	struct pg *d = (struct pg *)base;
	struct pgc *p = pg_conn_get(d);

	if (p == NULL)
		return NULL;
	p->open = mode != DB_TX_ONE && mode != DB_TX_ONE_READ;
	if (p->open && pg_plain(p->c, mode == DB_TX_READ ? "BEGIN READ ONLY" :
	    "BEGIN") != 0) {
		pg_conn_put(d, p);
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
		if (rc == 0 && pg_plain(p->c, "COMMIT") != 0)
			rc = -1;
		if (rc != 0)
			PQclear(PQexec(p->c, "ROLLBACK"));
	}
	p->open = 0;
	pg_conn_put((struct pg *)tx->d, p);
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
	int64_t rows = 0, budget;
	size_t i;

	if (nargs > PG_MAX_ARGS)
		log_error("collector db (postgresql): %s: %zu parameters, at "
		    "most %d", sql, nargs, PG_MAX_ARGS);
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
	/* A budget tighter than the session's statement_timeout: for this
	 * statement only. */
	budget = db_statement_deadline() - ktime_mono_ms();
	if (budget < DB_STATEMENT_MS) {
		char set[64];

		snprintf(set, sizeof(set), "SET statement_timeout = %lld",
		    (long long)(budget > 1 ? budget : 1));
		if (pg_plain(p->c, set) != 0)
			goto fail;
	}
	row.r = PQexecParams(p->c, sql, (int)nargs, NULL, vals, lens, fmts, 0);
	if (budget < DB_STATEMENT_MS && pg_plain(p->c, "SET statement_timeout "
	    "= " DB_STATEMENT_TEXT) != 0)
		goto fail;
	if (PQresultStatus(row.r) == PGRES_FATAL_ERROR &&
	    PQresultErrorField(row.r, PG_DIAG_SQLSTATE) != NULL &&
	    strcmp(PQresultErrorField(row.r, PG_DIAG_SQLSTATE), "57014") == 0) {
		/* query_canceled: its time budget was spent. */
		log_warn("collector db (postgresql): a statement ran past its "
		    "time budget and was stopped");
		db_budget_note(1, 0);
		goto fail;
	}
	switch (PQresultStatus(row.r)) {
	case PGRES_TUPLES_OK:
		rows = PQntuples(row.r);
		for (row.i = 0; fn != NULL && row.i < rows; row.i++) {
			if (fn(ctx, &row.base) != 0) {
				log_error("collector db (postgresql): %s: a row "
				    "was not what the query expected, or memory "
				    "ran out", sql);
				goto fail;
			}
		}
		break;
	case PGRES_COMMAND_OK:
		rows = strtoll(PQcmdTuples(row.r), NULL, 10);
		break;
	default:
		pg_log(sql, p->c, row.r);
		pg_note_failure(p, row.r);
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
	.forget_visit = pg_forget_visit,
	.purge = pg_purge,
	.partitions = pg_partitions,
};

int
db_pg_read_lag(struct db *base, int *standby, int64_t *lag_ms)
{
	struct pg *d = (struct pg *)base;
	struct pgc *p = pg_conn_get(d);
	PGresult *r;
	int ok;

	*standby = 0;
	*lag_ms = 0;
	if (p == NULL)
		return -1;
	/* Nothing left to replay: not behind, however long ago the last
	 * write was. Else how old the last replayed transaction is. */
	r = PQexec(p->c, "SELECT pg_is_in_recovery(), CASE WHEN NOT "
	    "pg_is_in_recovery() OR pg_last_wal_receive_lsn() = "
	    "pg_last_wal_replay_lsn() THEN 0 ELSE coalesce((extract(epoch "
	    "FROM clock_timestamp() - pg_last_xact_replay_timestamp()) * "
	    "1000)::bigint, 0) END");
	ok = PQresultStatus(r) == PGRES_TUPLES_OK && PQntuples(r) == 1;
	if (ok) {
		*standby = strcmp(PQgetvalue(r, 0, 0), "t") == 0;
		*lag_ms = strtoll(PQgetvalue(r, 0, 1), NULL, 10);
	} else {
		pg_log("replication lag", p->c, r);
		pg_note_failure(p, r);
	}
	PQclear(r);
	pg_conn_put(d, p);
	return ok ? 0 : -1;
}
