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
#include "store_impl.h"

#define BUSY_TIMEOUT_MS 10000

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
	/* 2 -> 3: time that can be trusted. A visit recorded while the
	 * clock could not be trusted has clock = 1 until it is re-dated from
	 * its boot's anchor (wall - boot time once trusted); recorded_ms keeps
	 * what the clock said. Counters the store keeps as it goes. */
	"ALTER TABLE visits ADD COLUMN clock INTEGER NOT NULL DEFAULT 0;"
	"ALTER TABLE visits ADD COLUMN recorded_ms INTEGER;"
	"CREATE INDEX visits_untrusted ON visits(boot_id) WHERE clock = 1;"
	"CREATE TABLE clock_anchors("
	"  boot_id TEXT PRIMARY KEY,"
	"  offset_ms INTEGER NOT NULL,"
	"  at_ms INTEGER NOT NULL);"
	"CREATE TABLE counters("
	"  key TEXT PRIMARY KEY,"
	"  value INTEGER NOT NULL);"
	"INSERT INTO counters(key, value) VALUES ('last_trusted_ms', "
	"  coalesce((SELECT max(wall_ms) FROM visits), 0));"
	/* Visits salvaged from a corrupt store keep the identity they were
	 * recorded under (the collector keys visits by it), and each file
	 * salvaged is remembered with what could not be read. */
	"ALTER TABLE visits ADD COLUMN origin_instance TEXT;"
	"ALTER TABLE visits ADD COLUMN origin_seq INTEGER;"
	"CREATE UNIQUE INDEX visits_origin ON visits(origin_instance, "
	"  origin_seq) WHERE origin_instance IS NOT NULL;"
	"CREATE TABLE salvage("
	"  file TEXT PRIMARY KEY,"
	"  size INTEGER NOT NULL,"
	"  mtime INTEGER NOT NULL,"
	"  salvaged INTEGER NOT NULL,"
	"  unreadable INTEGER NOT NULL,"
	"  at_ms INTEGER NOT NULL);",
	/* 3 -> 4: a store that was rolled back (a lost write-ahead log, a
	 * card that ignored a flush, a restored image) numbers again; the
	 * collector refuses another visit under a number it holds
	 * (seq_reused), and the visits concerned move to a new instance id.
	 * A salvaged visit moved so goes under it with this store's seq, no
	 * longer under its origin identity (kept, for salvage's dedup). */
	"ALTER TABLE visits ADD COLUMN reinstanced_ms INTEGER;"
	/* The latest trusted time, from the times the clock was trusted
	 * (clock_anchors.at_ms), not from visits: 2 -> 3 seeded it from any
	 * visit's time (a v2 store's visit from a clock years ahead), and a
	 * time given with --at raised it; either made a right clock look
	 * "behind" for good. */
	"UPDATE counters SET value = coalesce((SELECT max(at_ms) FROM "
	"  clock_anchors), 0) WHERE key = 'last_trusted_ms';",
	/* 4 -> 5: a store that stays fast at any size. The counts status
	 * shows are kept by triggers in the same transactions as the rows
	 * (no scan of a million visits every two seconds), and the visits
	 * still to send are read in seq order from their own index, so
	 * every batch costs the same whatever the backlog. */
	"CREATE INDEX visits_unsent ON visits(seq) WHERE uploaded_ms IS NULL;"
	"CREATE INDEX visits_unsent_time ON visits(wall_ms) WHERE "
	"  uploaded_ms IS NULL;"
	"INSERT OR REPLACE INTO counters(key, value) VALUES"
	"  ('visits', (SELECT count(*) FROM visits)),"
	"  ('pending', (SELECT count(*) FROM visits WHERE uploaded_ms IS NULL"
	"    AND quarantined_ms IS NULL)),"
	"  ('quarantined', (SELECT count(*) FROM visits WHERE quarantined_ms"
	"    IS NOT NULL AND uploaded_ms IS NULL)),"
	"  ('untrusted', (SELECT count(*) FROM visits WHERE clock = 1 AND"
	"    uploaded_ms IS NULL)),"
	"  ('last_upload_ms', coalesce((SELECT max(uploaded_ms) FROM visits),"
	"    0)),"
	"  ('events', (SELECT count(*) FROM events));"
	/* One statement a trigger (a check-in's cost): each counter row
	 * gets its own delta; the counters table is a handful of rows. */
	"CREATE TRIGGER visits_count_in AFTER INSERT ON visits BEGIN"
	"  UPDATE counters SET value = value + CASE key"
	"    WHEN 'visits' THEN 1"
	"    WHEN 'pending' THEN (NEW.uploaded_ms IS NULL AND"
	"      NEW.quarantined_ms IS NULL)"
	"    WHEN 'quarantined' THEN (NEW.quarantined_ms IS NOT NULL AND"
	"      NEW.uploaded_ms IS NULL)"
	"    ELSE (NEW.clock = 1 AND NEW.uploaded_ms IS NULL) END"
	"  WHERE key IN ('visits', 'pending', 'quarantined', 'untrusted');"
	"END;"
	"CREATE TRIGGER visits_count_out AFTER DELETE ON visits BEGIN"
	"  UPDATE counters SET value = value - CASE key"
	"    WHEN 'visits' THEN 1"
	"    WHEN 'pending' THEN (OLD.uploaded_ms IS NULL AND"
	"      OLD.quarantined_ms IS NULL)"
	"    WHEN 'quarantined' THEN (OLD.quarantined_ms IS NOT NULL AND"
	"      OLD.uploaded_ms IS NULL)"
	"    ELSE (OLD.clock = 1 AND OLD.uploaded_ms IS NULL) END"
	"  WHERE key IN ('visits', 'pending', 'quarantined', 'untrusted');"
	"END;"
	"CREATE TRIGGER visits_count_change AFTER UPDATE OF uploaded_ms,"
	"  quarantined_ms, clock ON visits BEGIN"
	"  UPDATE counters SET value = CASE key"
	"    WHEN 'pending' THEN value - (OLD.uploaded_ms IS NULL AND"
	"      OLD.quarantined_ms IS NULL) + (NEW.uploaded_ms IS NULL AND"
	"      NEW.quarantined_ms IS NULL)"
	"    WHEN 'quarantined' THEN value - (OLD.quarantined_ms IS NOT NULL"
	"      AND OLD.uploaded_ms IS NULL) + (NEW.quarantined_ms IS NOT NULL"
	"      AND NEW.uploaded_ms IS NULL)"
	"    WHEN 'untrusted' THEN value - (OLD.clock = 1 AND"
	"      OLD.uploaded_ms IS NULL) + (NEW.clock = 1 AND NEW.uploaded_ms IS"
	"      NULL)"
	"    ELSE max(value, coalesce(NEW.uploaded_ms, 0)) END"
	"  WHERE key IN ('pending', 'quarantined', 'untrusted',"
	"    'last_upload_ms');"
	"END;"
	"CREATE TRIGGER events_count_in AFTER INSERT ON events BEGIN"
	"  UPDATE counters SET value = value + 1 WHERE key = 'events';"
	"END;"
	"CREATE TRIGGER events_count_out AFTER DELETE ON events BEGIN"
	"  UPDATE counters SET value = value - 1 WHERE key = 'events';"
	"END;",
};

#define N_MIGRATIONS ((int)(sizeof(migrations) / sizeof(migrations[0])))

/* SQLite's last error on S is a corrupt file: note it for store_again. */
static void
note_corrupt(struct store *s)
{
	int rc = sqlite3_extended_errcode(s->db) & 0xff;

	if (rc == SQLITE_CORRUPT || rc == SQLITE_NOTADB)
		s->corrupt = 1;
}

void
store_sql_error(struct store *s, const char *what)
{
	note_corrupt(s);
	log_error("store '%s': %s: %s", s->path, what, sqlite3_errmsg(s->db));
}

int
store_exec(struct store *s, const char *sql)
{
	char *msg = NULL;

	if (sqlite3_exec(s->db, sql, NULL, NULL, &msg) != SQLITE_OK) {
		note_corrupt(s);
		log_error("store '%s': %s", s->path, msg ? msg : "error");
		sqlite3_free(msg);
		return -1;
	}
	return 0;
}

sqlite3_stmt *
store_prepare(struct store *s, const char *sql)
{
	sqlite3_stmt *st = NULL;

	if (sqlite3_prepare_v2(s->db, sql, -1, &st, NULL) != SQLITE_OK) {
		store_sql_error(s, "prepare");
		return NULL;
	}
	return st;
}

int
store_query_int(struct store *s, int64_t *out, int64_t dflt, const char *sql,
    ...)
{
	sqlite3_stmt *st = store_prepare(s, sql);
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
		store_sql_error(s, "query");
		return -1;
	}
	return 0;
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

	if (store_exec(s, "BEGIN IMMEDIATE") != 0)
		return -1;
	if (store_query_int(s, &version, 0, "PRAGMA user_version") != 0)
		goto fail;
	if (version > N_MIGRATIONS) {
		log_error("store '%s' has schema version %lld, newer than this "
		    "program (%d): upgrade the kiosk software", s->path,
		    (long long)version, N_MIGRATIONS);
		goto fail;
	}
	for (v = (int)version; v < N_MIGRATIONS; v++) {
		if (store_exec(s, migrations[v]) != 0)
			goto fail;
		log_info("store '%s': schema migrated to version %d", s->path,
		    v + 1);
	}
	snprintf(sql, sizeof(sql), "PRAGMA user_version = %d", N_MIGRATIONS);
	if (store_exec(s, sql) != 0)
		goto fail;
	return store_exec(s, "COMMIT");
fail:
	(void)store_exec(s, "ROLLBACK");
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
	st = store_prepare(s, "INSERT OR IGNORE INTO meta(key, value) "
	    "VALUES ('instance_id', ?1), ('created_ms', ?2)");
	if (st == NULL)
		return -1;
	sqlite3_bind_text(st, 1, fresh, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, ktime_wall_ms());
	rc = sqlite3_step(st);
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE) {
		store_sql_error(s, "instance id");
		return -1;
	}
	st = store_prepare(s, "SELECT value FROM meta WHERE key = 'instance_id'");
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

/* The store's handle and statements closed, the rest of S kept. */
static void
close_db(struct store *s)
{
	sqlite3_finalize(s->st_last);
	sqlite3_finalize(s->st_insert);
	sqlite3_finalize(s->st_trusted);
	sqlite3_finalize(s->st_instance);
	s->st_last = s->st_insert = s->st_trusted = s->st_instance = NULL;
	if (s->db != NULL && sqlite3_close(s->db) != SQLITE_OK)
		log_warn("store '%s': close: %s", s->path,
		    sqlite3_errmsg(s->db));
	s->db = NULL;
}

/*
 * An existing store file of 0 bytes (with no write-ahead log to read it
 * from): truncated, or restored empty. SQLite would take it for a new
 * store; it is as unreadable as a corrupt one.
 */
static int
empty_file(const char *path)
{
	char wal[4096];
	struct stat st;

	if (stat(path, &st) != 0 || !S_ISREG(st.st_mode) || st.st_size != 0)
		return 0;
	if ((size_t)snprintf(wal, sizeof(wal), "%s-wal", path) < sizeof(wal) &&
	    stat(wal, &st) == 0 && st.st_size > 0)
		return 0;
	return 1;
}

/* Move S->path aside (WHY for the log); 0 or -1 (logged). */
static int
move_aside(struct store *s, int lock, const char *why)
{
	free(s->recovered_from);
	s->recovered_from = store_move_aside(s->path, lock);
	if (s->recovered_from == NULL)
		return -1;
	log_error("store '%s' %s: moved to '%s'; starting a new store with a "
	    "new instance id (nothing is deleted: what can be read of its "
	    "visits is salvaged into the new one; visits it held that were "
	    "not uploaded and cannot be read are lost)", s->path, why,
	    s->recovered_from);
	return 0;
}

/*
 * A meta value into BUF ("" when none). 0; 1 no meta table yet; -1 the
 * file is corrupt (or not a database); -2 another error (a failing disk:
 * logged; the file is not judged on it).
 */
static int
meta_get(struct store *s, const char *key, char *buf, size_t size)
{
	sqlite3_stmt *st = NULL;
	int rc;

	buf[0] = '\0';
	rc = sqlite3_prepare_v2(s->db, "SELECT value FROM meta WHERE key = ?1",
	    -1, &st, NULL);
	if (rc != SQLITE_OK) {
		rc = sqlite3_extended_errcode(s->db) & 0xff;
		sqlite3_finalize(st);
		/* A new file has no table yet; a damaged one does not read. */
		if (rc == SQLITE_CORRUPT || rc == SQLITE_NOTADB)
			return -1;
		if (rc == SQLITE_ERROR)
			return 1;
		store_sql_error(s, "read meta");
		return -2;
	}
	sqlite3_bind_text(st, 1, key, -1, SQLITE_STATIC);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW)
		snprintf(buf, size, "%s", (const char *)sqlite3_column_text(st,
		    0));
	sqlite3_finalize(st);
	if (rc == SQLITE_ROW || rc == SQLITE_DONE)
		return 0;
	if (rc == SQLITE_CORRUPT || rc == SQLITE_NOTADB)
		return -1;
	store_sql_error(s, "read meta");
	return -2;
}

/*
 * Is a check of the file's pages due? 0 no (this boot checked it, or it
 * is new), 1 a quick one (the first open of a boot), 2 a full one (the
 * kiosk did not stop cleanly before), -1 the file does not read at all,
 * -2 it could not be read now (a failing disk; logged).
 */
static int
check_due(struct store *s)
{
	char checked[STORE_BOOT_ID_LEN + 1], running[STORE_BOOT_ID_LEN + 1];
	int r = meta_get(s, "checked_boot", checked, sizeof(checked));

	if (r != 0)
		return r > 0 ? 0 : r;
	if (strcmp(checked, s->boot_id) == 0)
		return 0;
	r = meta_get(s, "running_boot", running, sizeof(running));
	if (r < 0)
		return r;
	return running[0] != '\0' ? 2 : 1;
}

/* Remember that this boot checked the file. 0 or -1 (logged). */
static int
mark_checked(struct store *s)
{
	sqlite3_stmt *st = store_prepare(s, "INSERT OR REPLACE INTO meta(key, "
	    "value) VALUES ('checked_boot', ?1)");
	int rc;

	if (st == NULL)
		return -1;
	sqlite3_bind_text(st, 1, s->boot_id, -1, SQLITE_STATIC);
	rc = sqlite3_step(st);
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE) {
		store_sql_error(s, "remember the check");
		return -1;
	}
	return 0;
}

/*
 * Open S->path: check, recover, migrate, salvage; FULL: an integrity_check
 * too when the quick one passes (after SQLite met a corrupt page while
 * the store was in use). 0, or -1 (logged).
 */
static int
open_all(struct store *s, int full)
{
	const char *path = s->path;
	int check = 0, checked = 0, lock;

	/* One opener at a time: checking, moving a corrupt file aside and
	 * salvaging it happen under a lock on the store's folder, so two
	 * processes starting together never both move it. */
	lock = store_lock_dir(path);
	if (lock < 0)
		return -1;
	store_finish_moves(path, lock);
	/* Under the lock: a store another opener is moving aside and
	 * making again is there by the time it is released. */
	if (s->must_exist && access(path, F_OK) != 0) {
		log_error("no kiosk store at '%s' (%s): a typo in --db? "
		    "(kioskctl init makes one; $KIOSK_DB or --db says where)",
		    path, strerror(errno));
		goto err;
	}
	if (empty_file(path)) {
		check = 1;
		if (move_aside(s, lock, "is an empty file (0 bytes)") != 0)
			goto err;
	}
	if (open_db(s) != 0)
		goto err;

	/* The file's pages are checked once a boot (fully after a kiosk
	 * that did not stop cleanly), not at every open of every command:
	 * at a million visits a check takes a second. A page found corrupt
	 * in use is handled where it is met (store_again). */
	if (check == 0) {
		int due = full ? 2 : check_due(s);

		if (due == -2)
			goto err;	/* not judged on a failing read */
		if (due < 0) {
			check = 1;	/* not even its header reads */
		} else if (due > 0 && (!s->check_deferred || full)) {
			check = store_check_db(s->db, 0);
			if (check == 0 && due == 2)
				check = store_check_db(s->db, 1);
			if (check < 0) {
				store_sql_error(s, "quick_check");
				goto err;
			}
			checked = check == 0;
		}
		if (check > 0) {
			sqlite3_close(s->db);
			s->db = NULL;
			if (move_aside(s, lock, "is corrupt") != 0 ||
			    open_db(s) != 0)
				goto err;
		}
	}
	if (store_remember_file(s) != 0)
		goto err;
	if (store_exec(s, "PRAGMA journal_mode = WAL") != 0 ||
	    store_exec(s, "PRAGMA synchronous = FULL") != 0 ||
	    store_exec(s, "PRAGMA foreign_keys = ON") != 0)
		goto err;
	if (migrate(s) != 0 || load_instance(s) != 0)
		goto err;
	if ((checked || check > 0) && mark_checked(s) != 0)
		goto err;

	s->st_last = store_prepare(s, "SELECT seq, direction, wall_ms, boot_id, "
	    "mono_ms, clock FROM visits WHERE kind = ?1 AND subject = ?2 ORDER "
	    "BY seq DESC LIMIT 1");
	s->st_insert = store_prepare(s, "INSERT INTO visits(instance_id, kind, "
	    "subject, sealed, direction, wall_ms, boot_id, mono_ms, source, "
	    "clock) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)");
	s->st_trusted = store_prepare(s, "UPDATE counters SET value = ?1 "
	    "WHERE key = 'last_trusted_ms' AND value < ?1");
	s->st_instance = store_prepare(s, "SELECT value FROM meta WHERE key = "
	    "'instance_id'");
	if (s->st_last == NULL || s->st_insert == NULL ||
	    s->st_trusted == NULL || s->st_instance == NULL)
		goto err;
	/* A store that lost commits, or was put back from a copy, below
	 * the numbers the collector holds: a new instance id first. */
	if (store_rollback_guard(s) != 0)
		goto err;
	/* The log line names the moved file; the event marks the gap. */
	if (check > 0)
		(void)store_insert_event(s, "store_recovered", NULL,
		    ktime_wall_ms(), ktime_mono_ms());
	/* What earlier corrupt files still hold that was never uploaded
	 * comes into this store, once: each file salvaged is renamed done. */
	if (store_salvage(s, lock) != 0)
		log_warn("store '%s': a corrupt file's visits could not all be "
		    "salvaged; status says which", path);
	store_unlock_dir(lock);
	return 0;
err:
	store_unlock_dir(lock);
	close_db(s);
	return -1;
}

static struct store *
open_store(const char *path, int deferred, int must_exist)
{
	struct store *s;

	if (sodium_init() < 0)
		return NULL;
	s = calloc(1, sizeof(*s));
	if (s == NULL || (s->path = strdup(path)) == NULL) {
		free(s);
		return NULL;
	}
	ktime_boot_id(s->boot_id, sizeof(s->boot_id));
	s->check_deferred = deferred;
	s->must_exist = must_exist;
	if (open_all(s, 0) != 0) {
		store_close(s);
		return NULL;
	}
	s->must_exist = 0;
	return s;
}

struct store *
store_open(const char *path)
{
	return open_store(path, 0, 0);
}

struct store *
store_open_unchecked(const char *path)
{
	return open_store(path, 1, 0);
}

struct store *
store_open_existing(const char *path)
{
	return open_store(path, 0, 1);
}

int
store_check_boot(struct store *s)
{
	int due, r;

	if (store_enter(s) != 0)
		return -1;
	due = check_due(s);
	if (due == 0)
		return 0;
	r = store_check(s, due == 2);
	if (r == 0 && mark_checked(s) != 0)
		return -1;
	return r;
}

int
store_running(struct store *s, int on)
{
	sqlite3_stmt *st;
	int rc;

	if (store_enter(s) != 0)
		return -1;
	st = store_prepare(s, "INSERT OR REPLACE INTO meta(key, value) VALUES "
	    "('running_boot', ?1)");
	if (st == NULL)
		return -1;
	sqlite3_bind_text(st, 1, on ? s->boot_id : "", -1, SQLITE_STATIC);
	rc = sqlite3_step(st);
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE) {
		store_sql_error(s, "running mark");
		return -1;
	}
	return 0;
}

int
store_enter(struct store *s)
{
	s->corrupt = 0;
	if (s->db != NULL && store_same_file(s))
		return 0;
	/* Another process found the file corrupt and moved it aside while
	 * this one had it open: what this one reads and writes now must be
	 * the new store, or visits would be stranded in the old file. */
	if (s->db != NULL)
		log_warn("store '%s' was moved aside by another process: "
		    "opening the new one", s->path);
	close_db(s);
	return open_all(s, 0);
}

int
store_again(struct store *s, int *tries)
{
	if (!s->corrupt || *tries > 0)
		return 0;
	(*tries)++;
	log_error("store '%s': SQLite found the file corrupt while in use: "
	    "checking it; if it is, it is moved aside, its visits salvaged "
	    "into a new store, and the operation tried once more", s->path);
	close_db(s);
	return open_all(s, 1) == 0;
}

void
store_close(struct store *s)
{
	if (s == NULL)
		return;
	close_db(s);
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

/* The subject's last record, as decide() needs it. */
struct last {
	int have;
	int64_t seq, wall_ms, mono_ms;
	enum store_dir dir;
	int untrusted;		/* its time came from an untrusted clock */
	char boot_id[STORE_BOOT_ID_LEN + 1];
};

/*
 * Decide what a scan means given the subject's last record. Time since
 * that record is measured on the boot clock when both are from one boot
 * (a wall clock set or corrected in between cannot fool it). Across boots
 * only the wall clock is left: when either time came from a clock that
 * could not be trusted (a Pi that boots at its saved time every morning),
 * the two cannot be compared and the scan is a new visit; else a last
 * record that reads later than now (a clock that was ahead, or is
 * behind) is not taken for a moment ago. A time the caller gave (--at) is
 * on no boot's clock, and is compared on the wall clock.
 */
static enum store_outcome
decide(const struct store_checkin_req *req, const char *boot_id,
    const struct last *l, enum store_dir *dir)
{
	int64_t since;

	*dir = STORE_IN;
	if (!l->have)
		return STORE_ACCEPTED;
	if (!req->time_given && strcmp(l->boot_id, boot_id) == 0 &&
	    strcmp(boot_id, STORE_BOOT_GIVEN) != 0)
		since = req->mono_ms - l->mono_ms;
	else if (req->clock_untrusted || l->untrusted)
		return STORE_ACCEPTED;
	else if ((since = req->wall_ms - l->wall_ms) < 0)
		return STORE_ACCEPTED;
	if (since < STORE_DEBOUNCE_MS)
		return STORE_DUPLICATE;
	if (req->rescan == STORE_RESCAN_CHECKOUT) {
		if (l->dir == STORE_IN && since < STORE_CHECKOUT_MAX_MS)
			*dir = STORE_OUT;
		return STORE_ACCEPTED;
	}
	return since < req->window_ms ? STORE_DUPLICATE : STORE_ACCEPTED;
}

static int
checkin_once(struct store *s, const struct store_checkin_req *req,
    struct store_checkin_res *res)
{
	/* A time the caller gave (--at) is on no boot's clock: the row gets
	 * a boot id no boot has, so it is never compared on a boot clock
	 * nor re-dated from one. */
	const char *boot = req->time_given ? STORE_BOOT_GIVEN : req->boot_id ?
	    req->boot_id : s->boot_id;
	int64_t mono = req->time_given ? 0 : req->mono_ms;
	struct last l;
	enum store_dir dir;
	const char *d;
	int rc;

	memset(res, 0, sizeof(*res));
	memset(&l, 0, sizeof(l));
	/* IMMEDIATE: the look-up and the insert see no other writer between. */
	if (store_exec(s, "BEGIN IMMEDIATE") != 0)
		return -1;
	/* The instance id as it is now: another process may have moved the
	 * store to a new one (store_new_instance). */
	rc = sqlite3_step(s->st_instance);
	d = rc == SQLITE_ROW ? (const char *)sqlite3_column_text(
	    s->st_instance, 0) : NULL;
	if (d != NULL && strlen(d) == STORE_INSTANCE_LEN)
		memcpy(s->instance, d, STORE_INSTANCE_LEN + 1);
	sqlite3_reset(s->st_instance);
	if (rc != SQLITE_ROW) {
		store_sql_error(s, "instance id");
		goto fail;
	}

	sqlite3_bind_text(s->st_last, 1, req->kind, -1, SQLITE_STATIC);
	sqlite3_bind_text(s->st_last, 2, req->subject, -1, SQLITE_STATIC);
	rc = sqlite3_step(s->st_last);
	if (rc == SQLITE_ROW) {
		l.have = 1;
		l.seq = sqlite3_column_int64(s->st_last, 0);
		d = (const char *)sqlite3_column_text(s->st_last, 1);
		l.dir = (d && strcmp(d, "out") == 0) ? STORE_OUT : STORE_IN;
		l.wall_ms = sqlite3_column_int64(s->st_last, 2);
		d = (const char *)sqlite3_column_text(s->st_last, 3);
		snprintf(l.boot_id, sizeof(l.boot_id), "%s", d ? d : "");
		l.mono_ms = sqlite3_column_int64(s->st_last, 4);
		l.untrusted = sqlite3_column_int(s->st_last, 5) == 1;
	}
	sqlite3_reset(s->st_last);
	sqlite3_clear_bindings(s->st_last);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE) {
		store_sql_error(s, "look up last visit");
		goto fail;
	}

	if (decide(req, boot, &l, &dir) == STORE_DUPLICATE) {
		res->outcome = STORE_DUPLICATE;
		res->seq = l.seq;
		res->dir = l.dir;
		res->previous_ms = l.wall_ms;
		return store_exec(s, "COMMIT");
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
	sqlite3_bind_text(s->st_insert, 7, boot, -1, SQLITE_STATIC);
	sqlite3_bind_int64(s->st_insert, 8, mono);
	sqlite3_bind_text(s->st_insert, 9, req->source, -1, SQLITE_STATIC);
	sqlite3_bind_int(s->st_insert, 10, req->clock_untrusted ? 1 : 0);
	rc = sqlite3_step(s->st_insert);
	sqlite3_reset(s->st_insert);
	sqlite3_clear_bindings(s->st_insert);
	if (rc != SQLITE_DONE) {
		store_sql_error(s, "insert visit");
		goto fail;
	}
	res->seq = sqlite3_last_insert_rowid(s->db);
	res->outcome = STORE_ACCEPTED;
	res->dir = dir;
	res->previous_ms = l.wall_ms;
	/* A trusted clock's time, not one the caller gave (--at). */
	if (!req->clock_untrusted && !req->time_given) {
		sqlite3_bind_int64(s->st_trusted, 1, req->wall_ms);
		rc = sqlite3_step(s->st_trusted);
		sqlite3_reset(s->st_trusted);
		if (rc != SQLITE_DONE) {
			store_sql_error(s, "last trusted time");
			goto fail;
		}
	}
	/* With WAL and synchronous=FULL, COMMIT returns after the fsync. */
	if (store_exec(s, "COMMIT") != 0)
		goto fail;
	return 0;
fail:
	(void)store_exec(s, "ROLLBACK");
	memset(res, 0, sizeof(*res));
	return -1;
}

int
store_checkin(struct store *s, const struct store_checkin_req *req,
    struct store_checkin_res *res)
{
	int tries = 0, r;

	/* A check-in that met a corrupt file is made again in the store
	 * that replaces it: the visitor in front of the kiosk gets an
	 * answer, and what the old file held is salvaged. */
	do
		r = store_enter(s) == 0 ? checkin_once(s, req, res) : -1;
	while (r < 0 && store_again(s, &tries));
	return r;
}

int
store_insert_event(struct store *s, const char *kind, const char *detail_json,
    int64_t wall_ms, int64_t mono_ms)
{
	sqlite3_stmt *st;
	int rc;

	st = store_prepare(s, "INSERT INTO events(kind, detail, wall_ms, boot_id, "
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
		store_sql_error(s, "record event");
		return -1;
	}
	return 0;
}

int
store_event(struct store *s, const char *kind, const char *detail_json,
    int64_t wall_ms)
{
	int tries = 0, r;

	do
		r = store_enter(s) == 0 ? store_insert_event(s, kind,
		    detail_json, wall_ms, ktime_mono_ms()) : -1;
	while (r < 0 && store_again(s, &tries));
	return r;
}

static int
heartbeat_once(struct store *s, int64_t wall_ms, int64_t mono_ms)
{
	sqlite3_stmt *st;
	int64_t jump = 0;
	char detail[96];
	int rc, have = 0;

	st = store_prepare(s, "SELECT wall_ms, mono_ms FROM events WHERE kind = "
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
		store_sql_error(s, "last heartbeat");
		return -1;
	}
	if (have && (jump > CLOCK_JUMP_MS || jump < -CLOCK_JUMP_MS)) {
		snprintf(detail, sizeof(detail), "{\"jump_ms\":%lld}",
		    (long long)jump);
		log_warn("wall clock jumped by %lld s since the last heartbeat",
		    (long long)(jump / 1000));
		if (store_insert_event(s, "clock_jump", detail, wall_ms,
		    mono_ms) != 0)
			return -1;
	}
	return store_insert_event(s, "heartbeat", NULL, wall_ms, mono_ms);
}

int
store_heartbeat(struct store *s, int64_t wall_ms, int64_t mono_ms)
{
	int tries = 0, r;

	do
		r = store_enter(s) == 0 ? heartbeat_once(s, wall_ms, mono_ms) :
		    -1;
	while (r < 0 && store_again(s, &tries));
	return r;
}

static int
count_reject_once(struct store *s, const char *reason_code, int64_t wall_ms)
{
	sqlite3_stmt *st;
	char day[16];
	int y, m, d, rc;

	ktime_local_day(wall_ms, &y, &m, &d);
	snprintf(day, sizeof(day), "%04d-%02d-%02d", y % 10000, m, d);
	st = store_prepare(s, "INSERT INTO rejects(day, reason, count, last_ms) "
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
		store_sql_error(s, "count reject");
		return -1;
	}
	return 0;
}

int
store_count_reject(struct store *s, const char *reason_code, int64_t wall_ms)
{
	int tries = 0, r;

	do
		r = store_enter(s) == 0 ? count_reject_once(s, reason_code,
		    wall_ms) : -1;
	while (r < 0 && store_again(s, &tries));
	return r;
}

int
store_check(struct store *s, int full)
{
	int tries = 0, r;

	if (store_enter(s) != 0)
		return -1;
	r = store_check_db(s->db, full);
	if (r < 0)
		store_sql_error(s, "integrity check");
	/* Found corrupt while in use: recovered as at open (moved aside,
	 * salvaged), and the new store is what is checked. */
	if (r > 0) {
		s->corrupt = 1;
		if (store_again(s, &tries))
			r = store_check_db(s->db, full);
	}
	return r;
}
