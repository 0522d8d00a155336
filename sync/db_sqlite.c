/*
 * db_sqlite: the collector's SQLite backend (db_impl.h), for one ward.
 *
 * One writer connection, serialised by a mutex (SQLite has one writer at
 * a time anyway, and the server's threads hold it only for a
 * transaction), and a pool of read-only connections for reads, which WAL
 * lets run beside the writer. WAL with synchronous=FULL: an acknowledged
 * batch survives a power cut. Every failure is logged once, here, with
 * SQLite's own message.
 */
#include "db_impl.h"

#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <sqlite3.h>

#include "ktime.h"
#include "log.h"

/* A connection and its transaction. */
struct sqc {
	struct db_tx base;
	sqlite3 *db;
	int open;		/* BEGIN was run */
	int busy;		/* a reader in use */
	int writer;
};

struct sq {
	struct db base;
	sqlite3 *db;			/* the writer's, for the schema */
	pthread_mutex_t lock;		/* the writer */
	struct sqc w;
	pthread_mutex_t rlock;		/* the readers */
	pthread_cond_t rcond;
	struct sqc *r;
	int nr;
};

struct sq_row {
	struct db_row base;
	sqlite3_stmt *st;
};

static const struct db_ops sq_ops;

static const char *const schema =
	"PRAGMA journal_mode = WAL;"
	"PRAGMA synchronous = FULL;"
	"CREATE TABLE IF NOT EXISTS tokens("
	"  hash TEXT PRIMARY KEY, role TEXT NOT NULL, ward TEXT,"
	"  created_ms INTEGER NOT NULL, used_ms INTEGER);"
	"CREATE TABLE IF NOT EXISTS devices("
	"  device_id TEXT PRIMARY KEY, pubkey BLOB NOT NULL,"
	"  venue_id TEXT NOT NULL, venue_name TEXT NOT NULL, address TEXT,"
	"  ward TEXT, enrolled_ms INTEGER NOT NULL);"
	"CREATE TABLE IF NOT EXISTS visits("
	"  device_id TEXT NOT NULL, instance_id TEXT NOT NULL,"
	"  seq INTEGER NOT NULL, kind TEXT NOT NULL, subject TEXT NOT NULL,"
	"  sealed BLOB, direction TEXT NOT NULL, wall_ms INTEGER NOT NULL,"
	"  boot_id TEXT NOT NULL, mono_ms INTEGER NOT NULL,"
	"  source TEXT NOT NULL, received_ms INTEGER NOT NULL,"
	"  PRIMARY KEY (device_id, instance_id, seq)) WITHOUT ROWID;"
	"CREATE INDEX IF NOT EXISTS visits_subject ON visits(kind, subject,"
	"  wall_ms);"
	"CREATE INDEX IF NOT EXISTS visits_device_time ON visits(device_id,"
	"  wall_ms);"
	"CREATE TABLE IF NOT EXISTS row_rejects("
	"  device_id TEXT NOT NULL, instance_id TEXT NOT NULL,"
	"  seq INTEGER NOT NULL, reason TEXT NOT NULL,"
	"  received_ms INTEGER NOT NULL,"
	"  PRIMARY KEY (device_id, instance_id, seq));"
	"CREATE TABLE IF NOT EXISTS heartbeats("
	"  device_id TEXT NOT NULL, received_ms INTEGER NOT NULL,"
	"  sent_at_ms INTEGER, drift_ms INTEGER, detail TEXT);"
	"CREATE INDEX IF NOT EXISTS heartbeats_device ON heartbeats(device_id,"
	"  received_ms);"
	"CREATE INDEX IF NOT EXISTS devices_venue ON devices(venue_id);"
	"CREATE INDEX IF NOT EXISTS devices_ward ON devices(ward);"
	"CREATE TABLE IF NOT EXISTS inspections("
	"  device_id TEXT NOT NULL, at_ms INTEGER NOT NULL,"
	"  pass_id TEXT NOT NULL, issuer TEXT NOT NULL,"
	"  received_ms INTEGER NOT NULL,"
	"  PRIMARY KEY (device_id, at_ms, pass_id));"
	"CREATE TABLE IF NOT EXISTS audit("
	"  id INTEGER PRIMARY KEY AUTOINCREMENT, at_ms INTEGER NOT NULL,"
	"  who TEXT NOT NULL, action TEXT NOT NULL, detail TEXT NOT NULL,"
	"  results INTEGER NOT NULL);"
	"CREATE TABLE IF NOT EXISTS settings("
	"  name TEXT PRIMARY KEY, value TEXT NOT NULL);"
	"CREATE TABLE IF NOT EXISTS pass_issuers("
	"  ward TEXT NOT NULL, pubkey TEXT NOT NULL, added_ms INTEGER NOT NULL,"
	"  PRIMARY KEY (ward, pubkey));"
	"CREATE TABLE IF NOT EXISTS pass_revoked("
	"  pass_id TEXT PRIMARY KEY, revoked_ms INTEGER NOT NULL);";

/* Log SQLite's message once, for WHAT. */
static void
sq_log(sqlite3 *db, const char *what)
{
	log_error("collector db (sqlite): %s: %s", what, sqlite3_errmsg(db));
}

/* Run SQL with no parameters; 0, or -1 (logged). */
static int
sq_plain(struct sq *d, const char *sql)
{
	char *msg = NULL;

	if (sqlite3_exec(d->db, sql, NULL, NULL, &msg) != SQLITE_OK) {
		log_error("collector db (sqlite): %s", msg ? msg : "error");
		sqlite3_free(msg);
		return -1;
	}
	return 0;
}

/* ALTER TABLE TABLE ADD COLUMN DEF, unless it is there; 0 or -1. */
static int
add_column(struct sq *d, const char *table, const char *def)
{
	char sql[160];

	snprintf(sql, sizeof(sql), "ALTER TABLE %s ADD COLUMN %s", table, def);
	if (sqlite3_exec(d->db, sql, NULL, NULL, NULL) != SQLITE_OK &&
	    strstr(sqlite3_errmsg(d->db), "duplicate column") == NULL) {
		sq_log(d->db, "schema");
		return -1;
	}
	return 0;
}

static void
sq_close(struct db *base)
{
	struct sq *d = (struct sq *)base;
	int i;

	for (i = 0; i < d->nr; i++)
		sqlite3_close(d->r[i].db);
	free(d->r);
	sqlite3_close(d->db);
	pthread_mutex_destroy(&d->lock);
	pthread_mutex_destroy(&d->rlock);
	pthread_cond_destroy(&d->rcond);
	free(d);
}

/* When the statement this thread runs must stop (0: none running). */
static _Thread_local int64_t stmt_deadline;

/* SQLite's progress handler: nonzero stops the statement. */
static int
sq_progress(void *unused)
{
	(void)unused;
	return stmt_deadline != 0 && (ktime_mono_ms() > stmt_deadline ||
	    db_budget_over());
}

/* A connection to PATH with FLAGS, set up; NULL (logged). */
static sqlite3 *
connect_to(const char *path, int flags)
{
	sqlite3 *db = NULL;

	if (sqlite3_open_v2(path, &db, flags | SQLITE_OPEN_FULLMUTEX,
	    NULL) != SQLITE_OK) {
		log_error("cannot open '%s': %s", path, db ?
		    sqlite3_errmsg(db) : "out of memory");
		sqlite3_close(db);
		return NULL;
	}
	sqlite3_busy_timeout(db, 10000);
	sqlite3_progress_handler(db, 1000, sq_progress, NULL);
	return db;
}

/* Is PATH a collector's SQLite file? 1, or 0 (logged: why, and how). */
static int
sq_is_store(const char *path)
{
	sqlite3 *db = NULL;
	sqlite3_stmt *st = NULL;
	struct stat sb;
	int found = 0;

	if (stat(path, &sb) != 0) {
		log_error("no collector database at '%s' (%s): give the right "
		    "--db, or make one with: collector init --db sqlite:%s",
		    path, strerror(errno), path);
		return 0;
	}
	if (sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, NULL) ==
	    SQLITE_OK && sqlite3_prepare_v2(db, "SELECT 1 FROM sqlite_master "
	    "WHERE type = 'table' AND name = 'devices'", -1, &st, NULL) ==
	    SQLITE_OK)
		found = sqlite3_step(st) == SQLITE_ROW;
	sqlite3_finalize(st);
	sqlite3_close(db);
	if (!found)
		log_error("'%s' is not a collector database (no collector "
		    "tables in it): give the right --db, or make one with: "
		    "collector init --db sqlite:<new file>", path);
	return found;
}

struct db *
db_sqlite_open(const char *path, int connections, int create)
{
	struct sq *d;
	int i;

	if (!create && strcmp(path, ":memory:") != 0 && !sq_is_store(path))
		return NULL;
	d = calloc(1, sizeof(*d));
	if (d == NULL)
		return NULL;
	d->base.ops = &sq_ops;
	d->w.base.d = &d->base;
	d->w.writer = 1;
	pthread_mutex_init(&d->lock, NULL);
	pthread_mutex_init(&d->rlock, NULL);
	pthread_cond_init(&d->rcond, NULL);
	d->db = connect_to(path, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE);
	d->w.db = d->db;
	if (d->db == NULL || sq_plain(d, schema) != 0) {
		sq_close(&d->base);
		return NULL;
	}
	/* Columns added since: when the device's last batch landed (the
	 * ward report); how far a visit's time can be trusted; the last
	 * heartbeat's sent-at time, a revocation; what an enrolment token
	 * is bound to. */
	if (add_column(d, "devices", "last_batch_ms INTEGER") != 0 ||
	    add_column(d, "visits", "clock INTEGER NOT NULL DEFAULT 0") != 0 ||
	    add_column(d, "visits", "claimed_ms INTEGER") != 0 ||
	    add_column(d, "devices", "last_beat_ms INTEGER") != 0 ||
	    add_column(d, "devices", "revoked_ms INTEGER") != 0 ||
	    add_column(d, "tokens", "venue_id TEXT") != 0 ||
	    add_column(d, "tokens", "venue_name TEXT") != 0 ||
	    add_column(d, "tokens", "address TEXT") != 0 ||
	    add_column(d, "tokens", "expires_ms INTEGER") != 0 ||
	    add_column(d, "tokens", "revoked_ms INTEGER") != 0 ||
	    sq_plain(d, "CREATE INDEX IF NOT EXISTS heartbeats_received ON "
	    "heartbeats(received_ms)") != 0) {
		sq_close(&d->base);
		return NULL;
	}
	/* The readers (none for a database in memory: each connection would
	 * have its own). */
	if (strcmp(path, ":memory:") == 0 || connections < 1)
		return &d->base;
	d->r = calloc((size_t)connections, sizeof(*d->r));
	if (d->r == NULL) {
		sq_close(&d->base);
		return NULL;
	}
	for (i = 0; i < connections; i++, d->nr++) {
		d->r[i].base.d = &d->base;
		d->r[i].db = connect_to(path, SQLITE_OPEN_READONLY);
		if (d->r[i].db == NULL) {
			sq_close(&d->base);
			return NULL;
		}
	}
	return &d->base;
}

/* Give C back: the writer's lock, or the reader to the pool. */
static int
sq_end_conn(struct sq *d, struct sqc *c)
{
	if (c->writer) {
		pthread_mutex_unlock(&d->lock);
		return 0;
	}
	pthread_mutex_lock(&d->rlock);
	c->busy = 0;
	pthread_cond_signal(&d->rcond);
	pthread_mutex_unlock(&d->rlock);
	return 0;
}

/* Run SQL with no parameters on C; 0, or -1 (logged). */
static int
conn_plain(struct sqc *c, const char *sql)
{
	char *msg = NULL;

	if (sqlite3_exec(c->db, sql, NULL, NULL, &msg) != SQLITE_OK) {
		log_error("collector db (sqlite): %s", msg ? msg : "error");
		sqlite3_free(msg);
		return -1;
	}
	return 0;
}

static struct db_tx *
sq_begin(struct db *base, enum db_tx_mode mode)
{
	struct sq *d = (struct sq *)base;
	struct sqc *c = NULL;
	int i;

	if ((mode == DB_TX_READ || mode == DB_TX_ONE_READ) && d->nr > 0) {
		pthread_mutex_lock(&d->rlock);
		for (;;) {
			for (i = 0; i < d->nr && c == NULL; i++)
				if (!d->r[i].busy)
					c = &d->r[i];
			if (c != NULL)
				break;
			pthread_cond_wait(&d->rcond, &d->rlock);
		}
		c->busy = 1;
		pthread_mutex_unlock(&d->rlock);
	} else {
		pthread_mutex_lock(&d->lock);
		c = &d->w;
	}
	c->base.failed = 0;
	c->open = mode == DB_TX_READ || mode == DB_TX_WRITE;
	if (c->open && conn_plain(c, mode == DB_TX_WRITE ? "BEGIN IMMEDIATE" :
	    "BEGIN") != 0) {
		c->open = 0;
		(void)sq_end_conn(d, c);
		return NULL;
	}
	return &c->base;
}

static int
sq_end(struct db_tx *tx, int commit)
{
	struct sqc *c = (struct sqc *)tx;
	int rc = tx->failed || !commit ? -1 : 0;

	if (c->open) {
		if (rc == 0 && conn_plain(c, "COMMIT") != 0)
			rc = -1;
		if (rc != 0)
			(void)sqlite3_exec(c->db, "ROLLBACK", NULL, NULL, NULL);
	}
	c->open = 0;
	(void)sq_end_conn((struct sq *)tx->d, c);
	return rc;
}

/* Bind ARGS to $1.. in ST; 0 or -1. */
static int
bind(sqlite3_stmt *st, const struct db_arg *args, size_t n)
{
	char name[24];
	size_t i;
	int k, rc = SQLITE_OK;

	for (i = 0; i < n && rc == SQLITE_OK; i++) {
		snprintf(name, sizeof(name), "$%zu", i + 1);
		k = sqlite3_bind_parameter_index(st, name);
		if (k == 0)
			continue;	/* not used by this statement */
		switch (args[i].type) {
		case DB_ARG_TEXT:
			rc = args[i].text == NULL ? sqlite3_bind_null(st, k) :
			    sqlite3_bind_text(st, k, args[i].text, -1,
			    SQLITE_STATIC);
			break;
		case DB_ARG_INT:
			rc = sqlite3_bind_int64(st, k, args[i].i);
			break;
		case DB_ARG_BLOB:
			rc = args[i].blob == NULL ? sqlite3_bind_null(st, k) :
			    sqlite3_bind_blob(st, k, args[i].blob,
			    (int)args[i].len, SQLITE_STATIC);
			break;
		}
	}
	return rc == SQLITE_OK ? 0 : -1;
}

static int64_t
sq_exec(struct db_tx *tx, const char *sql, const struct db_arg *args,
    size_t nargs, db_row_fn fn, void *ctx)
{
	struct sqc *c = (struct sqc *)tx;
	struct sq_row row = { { &sq_ops }, NULL };
	int64_t rows = 0;
	int rc;

	if (tx->failed)
		return DB_FAILED;
	if (sqlite3_prepare_v2(c->db, sql, -1, &row.st, NULL) != SQLITE_OK ||
	    bind(row.st, args, nargs) != 0) {
		sq_log(c->db, sql);
		goto fail;
	}
	stmt_deadline = db_statement_deadline();
	while ((rc = sqlite3_step(row.st)) == SQLITE_ROW) {
		rows++;
		if (fn != NULL && fn(ctx, &row.base) != 0) {
			stmt_deadline = 0;
			log_error("collector db (sqlite): %s: a row was not "
			    "what the query expected, or memory ran out", sql);
			goto fail;
		}
	}
	stmt_deadline = 0;
	if (rc == SQLITE_INTERRUPT) {
		log_warn("collector db (sqlite): a statement ran past its time "
		    "budget and was stopped");
		db_budget_note(1, 0);
		goto fail;
	}
	if (rc != SQLITE_DONE) {
		sq_log(c->db, sql);
		goto fail;
	}
	if (sqlite3_column_count(row.st) == 0)
		rows = sqlite3_changes64(c->db);
	sqlite3_finalize(row.st);
	return rows;
fail:
	sqlite3_finalize(row.st);
	tx->failed = 1;
	return DB_FAILED;
}

static const char *
sq_text(const struct db_row *r, int col)
{
	const unsigned char *t = sqlite3_column_text(
	    ((const struct sq_row *)r)->st, col);

	return t != NULL ? (const char *)t : "";
}

static int64_t
sq_integer(const struct db_row *r, int col)
{
	return sqlite3_column_int64(((const struct sq_row *)r)->st, col);
}

static const unsigned char *
sq_blob(const struct db_row *r, int col, size_t *len)
{
	sqlite3_stmt *st = ((const struct sq_row *)r)->st;
	const void *b = sqlite3_column_blob(st, col);

	*len = b != NULL ? (size_t)sqlite3_column_bytes(st, col) : 0;
	return b;
}

static int
sq_insert_visits(struct db_tx *tx, const struct wire_header *h,
    const struct wire_visit *v, size_t n, int64_t now_ms, int64_t *stored)
{
	struct sqc *c = (struct sqc *)tx;
	sqlite3_stmt *st = NULL;
	size_t i;
	int rc = SQLITE_OK;

	*stored = 0;
	if (sqlite3_prepare_v2(c->db, "INSERT INTO visits(device_id, "
	    "instance_id, seq, kind, subject, sealed, direction, wall_ms, "
	    "boot_id, mono_ms, source, received_ms, clock, claimed_ms) VALUES "
	    "(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14) ON "
	    "CONFLICT DO NOTHING", -1, &st, NULL) != SQLITE_OK)
		goto fail;
	for (i = 0; i < n; i++) {
		if (v[i].reject != NULL)
			continue;
		sqlite3_bind_text(st, 1, h->device, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 2, h->instance, -1, SQLITE_STATIC);
		sqlite3_bind_int64(st, 3, v[i].seq);
		sqlite3_bind_text(st, 4, v[i].kind, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 5, v[i].subject, -1, SQLITE_STATIC);
		if (v[i].sealed != NULL)
			sqlite3_bind_blob(st, 6, v[i].sealed,
			    (int)v[i].sealed_len, SQLITE_STATIC);
		else
			sqlite3_bind_null(st, 6);
		sqlite3_bind_text(st, 7, v[i].direction, -1, SQLITE_STATIC);
		sqlite3_bind_int64(st, 8, v[i].wall_ms);
		sqlite3_bind_text(st, 9, v[i].boot_id, -1, SQLITE_STATIC);
		sqlite3_bind_int64(st, 10, v[i].mono_ms);
		sqlite3_bind_text(st, 11, v[i].source, -1, SQLITE_STATIC);
		sqlite3_bind_int64(st, 12, now_ms);
		sqlite3_bind_int(st, 13, v[i].clock_untrusted);
		if (v[i].clock_untrusted == DB_CLOCK_REFILED)
			sqlite3_bind_int64(st, 14, v[i].claimed_ms);
		else
			sqlite3_bind_null(st, 14);
		rc = sqlite3_step(st);
		sqlite3_reset(st);
		if (rc != SQLITE_DONE)
			goto fail;
		*stored += sqlite3_changes(c->db);
	}
	sqlite3_finalize(st);
	return 0;
fail:
	sq_log(c->db, "insert visits");
	sqlite3_finalize(st);
	tx->failed = 1;
	return DB_FAILED;
}

static int64_t
sq_purge(struct db *base, int64_t cut_ms)
{
	struct db_arg a[1] = { DB_I(cut_ms) };

	return db_one(base, DB_TX_WRITE, "DELETE FROM visits WHERE wall_ms < "
	    "$1", a, 1, NULL, NULL);
}

static int
sq_forget_visit(struct db_tx *tx, const struct wire_header *h, int64_t seq)
{
	struct db_arg a[3] = { DB_T(h->device), DB_T(h->instance), DB_I(seq) };

	return sq_exec(tx, "DELETE FROM visits WHERE device_id = $1 AND "
	    "instance_id = $2 AND seq = $3", a, 3, NULL, NULL) < 0 ?
	    DB_FAILED : 0;
}

static const struct db_ops sq_ops = {
	.name = "sqlite",
	.for_update = "",
	.close = sq_close,
	.begin = sq_begin,
	.end = sq_end,
	.exec = sq_exec,
	.text = sq_text,
	.integer = sq_integer,
	.blob = sq_blob,
	.prepare_rows = NULL,
	.insert_visits = sq_insert_visits,
	.forget_visit = sq_forget_visit,
	.purge = sq_purge,
	.partitions = NULL,
};
