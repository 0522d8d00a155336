/*
 * store: the kiosk's SQLite visit store. See store.h and docs/store.md.
 *
 * Library codes stop here: every SQLite failure is logged once with
 * SQLite's message and returned as -1.
 */
#include "store.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <sodium.h>
#include <sqlite3.h>

#include "ktime.h"
#include "log.h"

#define BUSY_TIMEOUT_MS 10000
#define CLOCK_JUMP_MS (120 * 1000)
#define DAY_MS (24LL * 3600 * 1000)

struct store {
	sqlite3 *db;
	char *path;
	char instance[STORE_INSTANCE_LEN + 1];
	char boot_id[STORE_BOOT_ID_LEN + 1];
	char *recovered_from;
	/* Statements of the check-in path, prepared once. */
	sqlite3_stmt *st_last;
	sqlite3_stmt *st_insert;
};

/*
 * Schema migrations: entry N takes user_version N to N + 1. Never edit a
 * released entry; append a new one.
 */
static const char *const migrations[] = {
	/* 0 -> 1 */
	"CREATE TABLE meta("
	"  key TEXT PRIMARY KEY,"
	"  value TEXT NOT NULL);"
	"CREATE TABLE visits("
	"  seq INTEGER PRIMARY KEY AUTOINCREMENT,"
	"  instance_id TEXT NOT NULL,"
	"  kind TEXT NOT NULL,"
	"  subject TEXT NOT NULL,"
	"  sealed BLOB,"
	"  direction TEXT NOT NULL CHECK (direction IN ('in', 'out')),"
	"  wall_ms INTEGER NOT NULL,"
	"  boot_id TEXT NOT NULL,"
	"  mono_ms INTEGER NOT NULL,"
	"  source TEXT NOT NULL,"
	"  uploaded_ms INTEGER);"
	"CREATE INDEX visits_subject ON visits(kind, subject, seq);"
	"CREATE INDEX visits_time ON visits(wall_ms);"
	"CREATE INDEX visits_pending ON visits(seq) WHERE uploaded_ms IS NULL;"
	"CREATE TABLE events("
	"  id INTEGER PRIMARY KEY AUTOINCREMENT,"
	"  kind TEXT NOT NULL,"
	"  detail TEXT,"
	"  wall_ms INTEGER NOT NULL,"
	"  boot_id TEXT NOT NULL,"
	"  mono_ms INTEGER NOT NULL,"
	"  uploaded_ms INTEGER);"
	"CREATE INDEX events_kind ON events(kind, id);"
	"CREATE INDEX events_time ON events(wall_ms);"
	"CREATE TABLE rejects("
	"  day TEXT NOT NULL,"
	"  reason TEXT NOT NULL,"
	"  count INTEGER NOT NULL,"
	"  last_ms INTEGER NOT NULL,"
	"  PRIMARY KEY (day, reason));",
	/* 1 -> 2: batches the collector refused for good are set aside. */
	"ALTER TABLE visits ADD COLUMN quarantined_ms INTEGER;"
	"ALTER TABLE visits ADD COLUMN quarantine_reason TEXT;"
	"DROP INDEX visits_pending;"
	"CREATE INDEX visits_pending ON visits(seq) WHERE uploaded_ms IS NULL "
	"AND quarantined_ms IS NULL;",
};

#define N_MIGRATIONS ((int)(sizeof(migrations) / sizeof(migrations[0])))

static void
sql_error(struct store *s, const char *what)
{
	log_error("store '%s': %s: %s", s->path, what, sqlite3_errmsg(s->db));
}

static int
exec(struct store *s, const char *sql)
{
	char *msg = NULL;

	if (sqlite3_exec(s->db, sql, NULL, NULL, &msg) != SQLITE_OK) {
		log_error("store '%s': %s", s->path, msg ? msg : "error");
		sqlite3_free(msg);
		return -1;
	}
	return 0;
}

/* Prepare SQL, logging on failure. */
static sqlite3_stmt *
prepare(struct store *s, const char *sql)
{
	sqlite3_stmt *st = NULL;

	if (sqlite3_prepare_v2(s->db, sql, -1, &st, NULL) != SQLITE_OK) {
		sql_error(s, "prepare");
		return NULL;
	}
	return st;
}

/* Run a statement that returns one integer (or none: *OUT = DFLT). */
static int
query_int(struct store *s, int64_t *out, int64_t dflt, const char *sql, ...)
{
	sqlite3_stmt *st = prepare(s, sql);
	va_list ap;
	int i, n, rc;

	if (st == NULL)
		return -1;
	va_start(ap, sql);
	n = sqlite3_bind_parameter_count(st);
	for (i = 1; i <= n; i++)
		sqlite3_bind_int64(st, i, va_arg(ap, int64_t));
	va_end(ap);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW && sqlite3_column_type(st, 0) != SQLITE_NULL)
		*out = sqlite3_column_int64(st, 0);
	else
		*out = dflt;
	sqlite3_finalize(st);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE) {
		sql_error(s, "query");
		return -1;
	}
	return 0;
}

static int
is_corruption(int rc)
{
	rc &= 0xff;
	return rc == SQLITE_CORRUPT || rc == SQLITE_NOTADB;
}

/*
 * Run quick_check on an open handle. Returns 0 when sound, 1 when the file
 * is corrupt, -1 on another error (busy, I/O).
 */
static int
quick_check(sqlite3 *db, int full)
{
	sqlite3_stmt *st = NULL;
	const char *res;
	int rc, bad = 0;

	rc = sqlite3_prepare_v2(db, full ? "PRAGMA integrity_check" :
	    "PRAGMA quick_check", -1, &st, NULL);
	if (rc != SQLITE_OK)
		return is_corruption(sqlite3_extended_errcode(db)) ? 1 : -1;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		res = (const char *)sqlite3_column_text(st, 0);
		if (res == NULL || strcmp(res, "ok") != 0) {
			if (bad++ == 0)
				log_error("store check: %s",
				    res ? res : "(no result)");
		}
	}
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE)
		return is_corruption(sqlite3_extended_errcode(db)) ? 1 : -1;
	return bad ? 1 : 0;
}

/* Rename PATH (and its -wal, -shm) aside; return the new name (caller frees). */
static char *
move_aside(const char *path)
{
	static const char *const sfx[] = { "", "-wal", "-shm" };
	char stamp[32], from[4096], to[4096], *kept;
	time_t now = time(NULL);
	struct tm tm;
	size_t i;
	int r;

	localtime_r(&now, &tm);
	strftime(stamp, sizeof(stamp), "%Y%m%d-%H%M%S", &tm);
	for (i = 0; i < 3; i++) {
		r = snprintf(from, sizeof(from), "%s%s", path, sfx[i]);
		if (r < 0 || (size_t)r >= sizeof(from))
			return NULL;
		r = snprintf(to, sizeof(to), "%s.corrupt-%s-%ld%s", path,
		    stamp, (long)getpid(), sfx[i]);
		if (r < 0 || (size_t)r >= sizeof(to))
			return NULL;
		if (rename(from, to) != 0 && errno != ENOENT) {
			log_error("cannot move corrupt store '%s' aside: %s",
			    from, strerror(errno));
			return NULL;
		}
		if (i == 0 && (kept = strdup(to)) == NULL)
			return NULL;
	}
	return kept;
}

static int
open_db(struct store *s)
{
	int rc;

	rc = sqlite3_open_v2(s->path, &s->db,
	    SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE |
	    SQLITE_OPEN_FULLMUTEX, NULL);
	if (rc != SQLITE_OK) {
		log_error("cannot open store '%s': %s", s->path,
		    s->db ? sqlite3_errmsg(s->db) : sqlite3_errstr(rc));
		sqlite3_close(s->db);
		s->db = NULL;
		return -1;
	}
	sqlite3_busy_timeout(s->db, BUSY_TIMEOUT_MS);
	sqlite3_extended_result_codes(s->db, 1);
	return 0;
}

static int
migrate(struct store *s)
{
	int64_t version;
	char sql[64];
	int v;

	if (exec(s, "BEGIN IMMEDIATE") != 0)
		return -1;
	if (query_int(s, &version, 0, "PRAGMA user_version") != 0)
		goto fail;
	if (version > N_MIGRATIONS) {
		log_error("store '%s' has schema version %lld, newer than this "
		    "program (%d): upgrade the kiosk software", s->path,
		    (long long)version, N_MIGRATIONS);
		goto fail;
	}
	for (v = (int)version; v < N_MIGRATIONS; v++) {
		if (exec(s, migrations[v]) != 0)
			goto fail;
		log_info("store '%s': schema migrated to version %d", s->path,
		    v + 1);
	}
	snprintf(sql, sizeof(sql), "PRAGMA user_version = %d", N_MIGRATIONS);
	if (exec(s, sql) != 0)
		goto fail;
	return exec(s, "COMMIT");
fail:
	(void)exec(s, "ROLLBACK");
	return -1;
}

/* Read the instance id, making one if this is a new store. */
static int
load_instance(struct store *s)
{
	unsigned char rnd[STORE_INSTANCE_LEN / 2];
	char fresh[STORE_INSTANCE_LEN + 1];
	sqlite3_stmt *st;
	const char *v;
	int rc;

	randombytes_buf(rnd, sizeof(rnd));
	sodium_bin2hex(fresh, sizeof(fresh), rnd, sizeof(rnd));
	st = prepare(s, "INSERT OR IGNORE INTO meta(key, value) "
	    "VALUES ('instance_id', ?1), ('created_ms', ?2)");
	if (st == NULL)
		return -1;
	sqlite3_bind_text(st, 1, fresh, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, ktime_wall_ms());
	rc = sqlite3_step(st);
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE) {
		sql_error(s, "instance id");
		return -1;
	}
	st = prepare(s, "SELECT value FROM meta WHERE key = 'instance_id'");
	if (st == NULL)
		return -1;
	rc = sqlite3_step(st);
	v = rc == SQLITE_ROW ? (const char *)sqlite3_column_text(st, 0) : NULL;
	if (v == NULL || strlen(v) != STORE_INSTANCE_LEN) {
		sqlite3_finalize(st);
		log_error("store '%s' has no valid instance id", s->path);
		return -1;
	}
	memcpy(s->instance, v, STORE_INSTANCE_LEN + 1);
	sqlite3_finalize(st);
	return 0;
}

struct store *
store_open(const char *path)
{
	struct store *s;
	int check;

	if (sodium_init() < 0)
		return NULL;
	s = calloc(1, sizeof(*s));
	if (s == NULL || (s->path = strdup(path)) == NULL) {
		free(s);
		return NULL;
	}
	ktime_boot_id(s->boot_id, sizeof(s->boot_id));
	if (open_db(s) != 0)
		goto err;

	check = quick_check(s->db, 0);
	if (check < 0) {
		sql_error(s, "quick_check");
		goto err;
	}
	if (check > 0) {
		sqlite3_close(s->db);
		s->db = NULL;
		s->recovered_from = move_aside(path);
		if (s->recovered_from == NULL)
			goto err;
		log_error("store '%s' is corrupt: moved to '%s'; starting a new "
		    "store with a new instance id (nothing is deleted; the "
		    "old file can be sent for recovery)", path,
		    s->recovered_from);
		if (open_db(s) != 0)
			goto err;
	}
	if (exec(s, "PRAGMA journal_mode = WAL") != 0 ||
	    exec(s, "PRAGMA synchronous = FULL") != 0 ||
	    exec(s, "PRAGMA foreign_keys = ON") != 0)
		goto err;
	if (migrate(s) != 0 || load_instance(s) != 0)
		goto err;

	s->st_last = prepare(s, "SELECT seq, direction, wall_ms FROM visits "
	    "WHERE kind = ?1 AND subject = ?2 ORDER BY seq DESC LIMIT 1");
	s->st_insert = prepare(s, "INSERT INTO visits(instance_id, kind, "
	    "subject, sealed, direction, wall_ms, boot_id, mono_ms, source) "
	    "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)");
	if (s->st_last == NULL || s->st_insert == NULL)
		goto err;
	/* The log line names the moved file; the event marks the gap. */
	if (s->recovered_from != NULL)
		(void)store_event(s, "store_recovered", NULL, ktime_wall_ms());
	return s;
err:
	store_close(s);
	return NULL;
}

void
store_close(struct store *s)
{
	if (s == NULL)
		return;
	sqlite3_finalize(s->st_last);
	sqlite3_finalize(s->st_insert);
	if (s->db != NULL && sqlite3_close(s->db) != SQLITE_OK)
		log_warn("store '%s': close: %s", s->path,
		    sqlite3_errmsg(s->db));
	free(s->recovered_from);
	free(s->path);
	free(s);
}

const char *
store_instance_id(const struct store *s)
{
	return s->instance;
}

const char *
store_recovered_from(const struct store *s)
{
	return s->recovered_from;
}

/* Decide what a scan means given the subject's last record. */
static enum store_outcome
decide(const struct store_checkin_req *req, int have_last,
    enum store_dir last_dir, int64_t last_ms, enum store_dir *dir)
{
	int64_t since = req->wall_ms - last_ms;

	*dir = STORE_IN;
	if (!have_last)
		return STORE_ACCEPTED;
	/*
	 * A wall clock set back makes SINCE negative: treat the earlier
	 * record as just now rather than letting the clock decide.
	 */
	if (since < STORE_DEBOUNCE_MS)
		return STORE_DUPLICATE;
	if (req->rescan == STORE_RESCAN_CHECKOUT) {
		if (last_dir == STORE_IN && since < STORE_CHECKOUT_MAX_MS)
			*dir = STORE_OUT;
		return STORE_ACCEPTED;
	}
	return since < req->window_ms ? STORE_DUPLICATE : STORE_ACCEPTED;
}

int
store_checkin(struct store *s, const struct store_checkin_req *req,
    struct store_checkin_res *res)
{
	int have_last = 0, rc;
	enum store_dir last_dir = STORE_IN, dir;
	int64_t last_seq = 0, last_ms = 0;
	const char *d;

	memset(res, 0, sizeof(*res));
	/* IMMEDIATE: the look-up and the insert see no other writer between. */
	if (exec(s, "BEGIN IMMEDIATE") != 0)
		return -1;

	sqlite3_bind_text(s->st_last, 1, req->kind, -1, SQLITE_STATIC);
	sqlite3_bind_text(s->st_last, 2, req->subject, -1, SQLITE_STATIC);
	rc = sqlite3_step(s->st_last);
	if (rc == SQLITE_ROW) {
		have_last = 1;
		last_seq = sqlite3_column_int64(s->st_last, 0);
		d = (const char *)sqlite3_column_text(s->st_last, 1);
		last_dir = (d && strcmp(d, "out") == 0) ? STORE_OUT : STORE_IN;
		last_ms = sqlite3_column_int64(s->st_last, 2);
	}
	sqlite3_reset(s->st_last);
	sqlite3_clear_bindings(s->st_last);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE) {
		sql_error(s, "look up last visit");
		goto fail;
	}

	if (decide(req, have_last, last_dir, last_ms, &dir) ==
	    STORE_DUPLICATE) {
		res->outcome = STORE_DUPLICATE;
		res->seq = last_seq;
		res->dir = last_dir;
		res->previous_ms = last_ms;
		return exec(s, "COMMIT");
	}

	sqlite3_bind_text(s->st_insert, 1, s->instance, -1, SQLITE_STATIC);
	sqlite3_bind_text(s->st_insert, 2, req->kind, -1, SQLITE_STATIC);
	sqlite3_bind_text(s->st_insert, 3, req->subject, -1, SQLITE_STATIC);
	if (req->sealed != NULL)
		sqlite3_bind_blob(s->st_insert, 4, req->sealed,
		    (int)req->sealed_len, SQLITE_STATIC);
	else
		sqlite3_bind_null(s->st_insert, 4);
	sqlite3_bind_text(s->st_insert, 5, dir == STORE_OUT ? "out" : "in",
	    -1, SQLITE_STATIC);
	sqlite3_bind_int64(s->st_insert, 6, req->wall_ms);
	sqlite3_bind_text(s->st_insert, 7, req->boot_id ? req->boot_id :
	    s->boot_id, -1, SQLITE_STATIC);
	sqlite3_bind_int64(s->st_insert, 8, req->mono_ms);
	sqlite3_bind_text(s->st_insert, 9, req->source, -1, SQLITE_STATIC);
	rc = sqlite3_step(s->st_insert);
	sqlite3_reset(s->st_insert);
	sqlite3_clear_bindings(s->st_insert);
	if (rc != SQLITE_DONE) {
		sql_error(s, "insert visit");
		goto fail;
	}
	res->seq = sqlite3_last_insert_rowid(s->db);
	res->outcome = STORE_ACCEPTED;
	res->dir = dir;
	res->previous_ms = last_ms;
	/* With WAL and synchronous=FULL, COMMIT returns after the fsync. */
	if (exec(s, "COMMIT") != 0)
		goto fail;
	return 0;
fail:
	(void)exec(s, "ROLLBACK");
	memset(res, 0, sizeof(*res));
	return -1;
}

static int
insert_event(struct store *s, const char *kind, const char *detail_json,
    int64_t wall_ms, int64_t mono_ms)
{
	sqlite3_stmt *st;
	int rc;

	st = prepare(s, "INSERT INTO events(kind, detail, wall_ms, boot_id, "
	    "mono_ms) VALUES (?1, ?2, ?3, ?4, ?5)");
	if (st == NULL)
		return -1;
	sqlite3_bind_text(st, 1, kind, -1, SQLITE_STATIC);
	if (detail_json != NULL)
		sqlite3_bind_text(st, 2, detail_json, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 3, wall_ms);
	sqlite3_bind_text(st, 4, s->boot_id, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 5, mono_ms);
	rc = sqlite3_step(st);
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE) {
		sql_error(s, "record event");
		return -1;
	}
	return 0;
}

int
store_event(struct store *s, const char *kind, const char *detail_json,
    int64_t wall_ms)
{
	return insert_event(s, kind, detail_json, wall_ms, ktime_mono_ms());
}

int
store_heartbeat(struct store *s, int64_t wall_ms, int64_t mono_ms)
{
	sqlite3_stmt *st;
	int64_t jump = 0;
	char detail[96];
	int rc, have = 0;

	st = prepare(s, "SELECT wall_ms, mono_ms FROM events WHERE kind = "
	    "'heartbeat' AND boot_id = ?1 ORDER BY id DESC LIMIT 1");
	if (st == NULL)
		return -1;
	sqlite3_bind_text(st, 1, s->boot_id, -1, SQLITE_STATIC);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		have = 1;
		jump = (wall_ms - sqlite3_column_int64(st, 0)) -
		    (mono_ms - sqlite3_column_int64(st, 1));
	}
	sqlite3_finalize(st);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE) {
		sql_error(s, "last heartbeat");
		return -1;
	}
	if (have && (jump > CLOCK_JUMP_MS || jump < -CLOCK_JUMP_MS)) {
		snprintf(detail, sizeof(detail), "{\"jump_ms\":%lld}",
		    (long long)jump);
		log_warn("wall clock jumped by %lld s since the last heartbeat",
		    (long long)(jump / 1000));
		if (insert_event(s, "clock_jump", detail, wall_ms,
		    mono_ms) != 0)
			return -1;
	}
	return insert_event(s, "heartbeat", NULL, wall_ms, mono_ms);
}

int
store_count_reject(struct store *s, const char *reason_code, int64_t wall_ms)
{
	sqlite3_stmt *st;
	char day[16];
	int y, m, d, rc;

	ktime_local_day(wall_ms, &y, &m, &d);
	snprintf(day, sizeof(day), "%04d-%02d-%02d", y % 10000, m, d);
	st = prepare(s, "INSERT INTO rejects(day, reason, count, last_ms) "
	    "VALUES (?1, ?2, 1, ?3) ON CONFLICT(day, reason) DO UPDATE SET "
	    "count = count + 1, last_ms = excluded.last_ms");
	if (st == NULL)
		return -1;
	sqlite3_bind_text(st, 1, day, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, reason_code, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 3, wall_ms);
	rc = sqlite3_step(st);
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE) {
		sql_error(s, "count reject");
		return -1;
	}
	return 0;
}

int
store_status(struct store *s, int64_t now_ms, int retention_days,
    struct store_status *o)
{
	int64_t day0 = ktime_day_start(now_ms);
	int64_t cutoff = now_ms - (int64_t)retention_days * DAY_MS;
	char day[16];
	int y, m, d;

	memset(o, 0, sizeof(*o));
	ktime_local_day(now_ms, &y, &m, &d);
	snprintf(day, sizeof(day), "%04d-%02d-%02d", y % 10000, m, d);

	if (exec(s, "BEGIN") != 0)
		return -1;
	if (query_int(s, &o->visits_total, 0, "SELECT count(*) FROM visits") ||
	    query_int(s, &o->visits_today, 0, "SELECT count(*) FROM visits "
	    "WHERE wall_ms >= ?1 AND direction = 'in'", day0) ||
	    query_int(s, &o->pending_upload, 0, "SELECT count(*) FROM visits "
	    "WHERE uploaded_ms IS NULL AND quarantined_ms IS NULL") ||
	    query_int(s, &o->pending_overdue, 0, "SELECT count(*) FROM visits "
	    "WHERE uploaded_ms IS NULL AND wall_ms < ?1", cutoff) ||
	    query_int(s, &o->oldest_pending_ms, 0, "SELECT wall_ms FROM visits "
	    "WHERE uploaded_ms IS NULL ORDER BY seq LIMIT 1") ||
	    query_int(s, &o->last_upload_ms, 0, "SELECT max(uploaded_ms) "
	    "FROM visits") ||
	    query_int(s, &o->last_heartbeat_ms, 0, "SELECT wall_ms FROM events "
	    "WHERE kind = 'heartbeat' ORDER BY id DESC LIMIT 1") ||
	    query_int(s, &o->last_visit_ms, 0, "SELECT wall_ms FROM visits "
	    "ORDER BY seq DESC LIMIT 1") ||
	    query_int(s, &o->rejects_total, 0, "SELECT sum(count) FROM "
	    "rejects") ||
	    query_int(s, &o->events_total, 0, "SELECT count(*) FROM events") ||
	    query_int(s, &o->seq_max, 0, "SELECT seq FROM sqlite_sequence "
	    "WHERE name = 'visits'") ||
	    query_int(s, &o->quarantined, 0, "SELECT count(*) FROM visits "
	    "WHERE quarantined_ms IS NOT NULL AND uploaded_ms IS NULL")) {
		(void)exec(s, "ROLLBACK");
		return -1;
	}
	{
		sqlite3_stmt *st = prepare(s, "SELECT sum(count) FROM rejects "
		    "WHERE day = ?1");

		if (st == NULL) {
			(void)exec(s, "ROLLBACK");
			return -1;
		}
		sqlite3_bind_text(st, 1, day, -1, SQLITE_STATIC);
		if (sqlite3_step(st) == SQLITE_ROW)
			o->rejects_today = sqlite3_column_int64(st, 0);
		sqlite3_finalize(st);
	}
	return exec(s, "COMMIT");
}

int
store_rejects(struct store *s,
    void (*fn)(void *ctx, const char *reason, int64_t count), void *ctx)
{
	sqlite3_stmt *st;
	int rc;

	st = prepare(s, "SELECT reason, sum(count) AS n FROM rejects "
	    "GROUP BY reason ORDER BY n DESC, reason");
	if (st == NULL)
		return -1;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW)
		fn(ctx, (const char *)sqlite3_column_text(st, 0),
		    sqlite3_column_int64(st, 1));
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE) {
		sql_error(s, "list rejects");
		return -1;
	}
	return 0;
}

int
store_foreach_visit(struct store *s, int64_t from_ms, int64_t to_ms,
    int pending_only, int (*fn)(void *ctx, const struct store_visit *v),
    void *ctx)
{
	struct store_visit v;
	sqlite3_stmt *st;
	const char *d;
	int rc, stop = 0;

	st = prepare(s, pending_only ?
	    "SELECT seq, instance_id, kind, subject, sealed, direction, "
	    "wall_ms, boot_id, mono_ms, source, uploaded_ms FROM visits "
	    "WHERE uploaded_ms IS NULL AND quarantined_ms IS NULL AND wall_ms "
	    ">= ?1 AND wall_ms < ?2 ORDER BY seq" :
	    "SELECT seq, instance_id, kind, subject, sealed, direction, "
	    "wall_ms, boot_id, mono_ms, source, uploaded_ms FROM visits "
	    "WHERE wall_ms >= ?1 AND wall_ms < ?2 ORDER BY seq");
	if (st == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, from_ms);
	sqlite3_bind_int64(st, 2, to_ms);
	while (!stop && (rc = sqlite3_step(st)) == SQLITE_ROW) {
		v.seq = sqlite3_column_int64(st, 0);
		v.instance_id = (const char *)sqlite3_column_text(st, 1);
		v.kind = (const char *)sqlite3_column_text(st, 2);
		v.subject = (const char *)sqlite3_column_text(st, 3);
		v.sealed = sqlite3_column_blob(st, 4);
		v.sealed_len = (size_t)sqlite3_column_bytes(st, 4);
		d = (const char *)sqlite3_column_text(st, 5);
		v.dir = (d && strcmp(d, "out") == 0) ? STORE_OUT : STORE_IN;
		v.wall_ms = sqlite3_column_int64(st, 6);
		v.boot_id = (const char *)sqlite3_column_text(st, 7);
		v.mono_ms = sqlite3_column_int64(st, 8);
		v.source = (const char *)sqlite3_column_text(st, 9);
		v.uploaded_ms = sqlite3_column_int64(st, 10);
		stop = fn(ctx, &v);
	}
	if (!stop && rc != SQLITE_DONE) {
		sql_error(s, "read visits");
		sqlite3_finalize(st);
		return -1;
	}
	sqlite3_finalize(st);
	return stop;
}

int64_t
store_mark_uploaded(struct store *s, int64_t first_seq, int64_t last_seq,
    int64_t wall_ms)
{
	sqlite3_stmt *st;
	int64_t n;
	int rc;

	if (exec(s, "BEGIN IMMEDIATE") != 0)
		return -1;
	st = prepare(s, "UPDATE visits SET uploaded_ms = ?1 WHERE seq "
	    "BETWEEN ?2 AND ?3 AND uploaded_ms IS NULL");
	if (st == NULL) {
		(void)exec(s, "ROLLBACK");
		return -1;
	}
	sqlite3_bind_int64(st, 1, wall_ms);
	sqlite3_bind_int64(st, 2, first_seq);
	sqlite3_bind_int64(st, 3, last_seq);
	rc = sqlite3_step(st);
	sqlite3_finalize(st);
	n = sqlite3_changes(s->db);
	if (rc != SQLITE_DONE) {
		sql_error(s, "mark uploaded");
		(void)exec(s, "ROLLBACK");
		return -1;
	}
	if (exec(s, "COMMIT") != 0)
		return -1;
	return n;
}

static int
delete_count(struct store *s, const char *sql, int64_t arg, int64_t *out)
{
	sqlite3_stmt *st = prepare(s, sql);
	int rc;

	if (st == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, arg);
	rc = sqlite3_step(st);
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE) {
		sql_error(s, "purge");
		return -1;
	}
	*out = sqlite3_changes(s->db);
	return 0;
}

int
store_purge(struct store *s, int64_t now_ms, int retention_days,
    struct store_purge_res *o)
{
	int64_t cutoff = now_ms - (int64_t)retention_days * DAY_MS;
	char day[16];
	int y, m, d;
	sqlite3_stmt *st;
	int rc;

	memset(o, 0, sizeof(*o));
	ktime_local_day(cutoff, &y, &m, &d);
	snprintf(day, sizeof(day), "%04d-%02d-%02d", y % 10000, m, d);
	if (exec(s, "BEGIN IMMEDIATE") != 0)
		return -1;
	if (delete_count(s, "DELETE FROM visits WHERE uploaded_ms IS NOT NULL "
	    "AND wall_ms < ?1", cutoff, &o->visits_deleted) ||
	    delete_count(s, "DELETE FROM events WHERE wall_ms < ?1", cutoff,
	    &o->events_deleted) ||
	    query_int(s, &o->kept_unuploaded, 0, "SELECT count(*) FROM visits "
	    "WHERE uploaded_ms IS NULL AND wall_ms < ?1", cutoff))
		goto fail;
	st = prepare(s, "DELETE FROM rejects WHERE day < ?1");
	if (st == NULL)
		goto fail;
	sqlite3_bind_text(st, 1, day, -1, SQLITE_STATIC);
	rc = sqlite3_step(st);
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE) {
		sql_error(s, "purge rejects");
		goto fail;
	}
	o->rejects_deleted = sqlite3_changes(s->db);
	if (exec(s, "COMMIT") != 0)
		return -1;
	if (o->kept_unuploaded > 0)
		log_warn("%lld visits older than %d days were never uploaded: "
		    "kept until the collector acknowledges them",
		    (long long)o->kept_unuploaded, retention_days);
	return 0;
fail:
	(void)exec(s, "ROLLBACK");
	return -1;
}

int
store_check(struct store *s, int full)
{
	int r = quick_check(s->db, full);

	if (r < 0)
		sql_error(s, "integrity check");
	return r;
}

int64_t
store_count_visits(struct store *s, int64_t from_ms, int64_t to_ms)
{
	int64_t n;

	if (query_int(s, &n, 0, "SELECT count(*) FROM visits WHERE wall_ms "
	    ">= ?1 AND wall_ms < ?2 AND direction = 'in'", from_ms, to_ms) != 0)
		return -1;
	return n;
}

int64_t
store_heartbeat_gaps(struct store *s, int64_t from_ms, int64_t to_ms,
    int64_t max_gap_ms, int64_t *longest_ms)
{
	sqlite3_stmt *st;
	int64_t prev = from_ms, t, gaps = 0, longest = 0;
	int rc;

	st = prepare(s, "SELECT wall_ms FROM events WHERE kind IN "
	    "('heartbeat', 'start') AND wall_ms >= ?1 AND wall_ms < ?2 "
	    "ORDER BY wall_ms");
	if (st == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, from_ms);
	sqlite3_bind_int64(st, 2, to_ms);
	for (;;) {
		rc = sqlite3_step(st);
		if (rc != SQLITE_ROW)
			break;
		t = sqlite3_column_int64(st, 0);
		if (t - prev > max_gap_ms) {
			gaps++;
			if (t - prev > longest)
				longest = t - prev;
		}
		prev = t;
	}
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE) {
		sql_error(s, "heartbeat gaps");
		return -1;
	}
	if (to_ms - prev > max_gap_ms) {
		gaps++;
		if (to_ms - prev > longest)
			longest = to_ms - prev;
	}
	if (longest_ms != NULL)
		*longest_ms = longest;
	return gaps;
}

int64_t
store_quarantine(struct store *s, int64_t first_seq, int64_t last_seq,
    const char *reason, int64_t wall_ms)
{
	sqlite3_stmt *st;
	int64_t n;
	int rc;

	if (exec(s, "BEGIN IMMEDIATE") != 0)
		return -1;
	st = prepare(s, "UPDATE visits SET quarantined_ms = ?1, "
	    "quarantine_reason = ?2 WHERE seq BETWEEN ?3 AND ?4 AND "
	    "uploaded_ms IS NULL AND quarantined_ms IS NULL");
	if (st == NULL) {
		(void)exec(s, "ROLLBACK");
		return -1;
	}
	sqlite3_bind_int64(st, 1, wall_ms);
	sqlite3_bind_text(st, 2, reason, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 3, first_seq);
	sqlite3_bind_int64(st, 4, last_seq);
	rc = sqlite3_step(st);
	sqlite3_finalize(st);
	n = sqlite3_changes(s->db);
	if (rc != SQLITE_DONE || insert_event(s, "sync_quarantine", NULL,
	    wall_ms, ktime_mono_ms()) != 0) {
		sql_error(s, "quarantine");
		(void)exec(s, "ROLLBACK");
		return -1;
	}
	if (exec(s, "COMMIT") != 0)
		return -1;
	return n;
}

int
store_foreach_event(struct store *s, const char *kind, int64_t from_ms,
    int limit, int (*fn)(void *ctx, int64_t wall_ms, const char *detail),
    void *ctx)
{
	sqlite3_stmt *st;
	int rc, r = 0;

	st = prepare(s, "SELECT wall_ms, coalesce(detail, '') FROM events "
	    "WHERE kind = ?1 AND wall_ms >= ?2 ORDER BY wall_ms DESC LIMIT ?3");
	if (st == NULL)
		return -1;
	sqlite3_bind_text(st, 1, kind, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, from_ms);
	sqlite3_bind_int(st, 3, limit);
	while (r == 0 && (rc = sqlite3_step(st)) == SQLITE_ROW)
		r = fn(ctx, sqlite3_column_int64(st, 0),
		    (const char *)sqlite3_column_text(st, 1));
	if (r == 0 && rc != SQLITE_DONE) {
		sql_error(s, "events");
		r = -1;
	}
	sqlite3_finalize(st);
	return r < 0 ? -1 : 0;
}
