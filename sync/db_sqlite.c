/*
 * db_sqlite: the collector's SQLite backend. See db.h.
 *
 * One connection, serialised by a mutex: SQLite has one writer at a time
 * anyway, and the server's threads only hold it for a transaction.
 */
#include "db_impl.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>
#include <sodium.h>
#include <sqlite3.h>

#include "ktime.h"
#include "log.h"

struct sq {
	struct db base;
	sqlite3 *db;
	pthread_mutex_t lock;
	char *path;
};

static const struct db_ops sq_ops;
static void sq_close(struct db *base);

/* Each entry point turns the front's struct db into this backend's. */
#define SQ(x) ((struct sq *)(x))

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
	"  results INTEGER NOT NULL);";

static int
exec(struct sq *d, const char *sql)
{
	char *msg = NULL;

	if (sqlite3_exec(d->db, sql, NULL, NULL, &msg) != SQLITE_OK) {
		log_error("collector db: %s", msg ? msg : "error");
		sqlite3_free(msg);
		return -1;
	}
	return 0;
}

static sqlite3_stmt *
prep(struct sq *d, const char *sql)
{
	sqlite3_stmt *st = NULL;

	if (sqlite3_prepare_v2(d->db, sql, -1, &st, NULL) != SQLITE_OK) {
		log_error("collector db: %s", sqlite3_errmsg(d->db));
		return NULL;
	}
	return st;
}

struct db *
db_sqlite_open(const char *path)
{
	struct sq *d;

	d = calloc(1, sizeof(*d));
	if (d == NULL)
		return NULL;
	d->base.ops = &sq_ops;
	d->path = strdup(path);
	pthread_mutex_init(&d->lock, NULL);
	if (d->path == NULL || sqlite3_open_v2(d->path, &d->db,
	    SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_FULLMUTEX,
	    NULL) != SQLITE_OK) {
		log_error("cannot open '%s': %s", path, d->db ?
		    sqlite3_errmsg(d->db) : "out of memory");
		sq_close(&d->base);
		return NULL;
	}
	sqlite3_busy_timeout(d->db, 10000);
	if (exec(d, schema) != 0) {
		sq_close(&d->base);
		return NULL;
	}
	/* Added with the ward report: when the device's last batch landed. */
	if (sqlite3_exec(d->db, "ALTER TABLE devices ADD COLUMN last_batch_ms "
	    "INTEGER", NULL, NULL, NULL) != SQLITE_OK &&
	    strstr(sqlite3_errmsg(d->db), "duplicate column") == NULL) {
		log_error("collector db: %s", sqlite3_errmsg(d->db));
		sq_close(&d->base);
		return NULL;
	}
	return &d->base;
}

static void
sq_close(struct db *base)
{
	struct sq *d = SQ(base);

	sqlite3_close(d->db);
	pthread_mutex_destroy(&d->lock);
	free(d->path);
	free(d);
}

static int
sq_token_put(struct db *base, const char *hash, const char *role,
    const char *ward, int64_t now_ms)
{
	struct sq *d = SQ(base);
	sqlite3_stmt *st;
	int rc;

	pthread_mutex_lock(&d->lock);
	st = prep(d, "INSERT INTO tokens(hash, role, ward, created_ms) "
	    "VALUES (?1, ?2, ?3, ?4)");
	if (st == NULL) {
		pthread_mutex_unlock(&d->lock);
		return -1;
	}
	sqlite3_bind_text(st, 1, hash, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, role, -1, SQLITE_STATIC);
	if (ward != NULL)
		sqlite3_bind_text(st, 3, ward, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 4, now_ms);
	rc = sqlite3_step(st);
	sqlite3_finalize(st);
	pthread_mutex_unlock(&d->lock);
	return rc == SQLITE_DONE ? 0 : -1;
}

static int
sq_token_role(struct db *base, const char *hash, char role[DB_ROLE_LEN], char *ward,
    size_t size)
{
	struct sq *d = SQ(base);
	sqlite3_stmt *st;
	int rc, ret = 1;

	pthread_mutex_lock(&d->lock);
	st = prep(d, "SELECT role, coalesce(ward, '') FROM tokens WHERE "
	    "hash = ?1 AND used_ms IS NULL");
	if (st == NULL) {
		pthread_mutex_unlock(&d->lock);
		return -1;
	}
	sqlite3_bind_text(st, 1, hash, -1, SQLITE_STATIC);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		snprintf(role, DB_ROLE_LEN, "%s", sqlite3_column_text(st, 0));
		snprintf(ward, size, "%s", sqlite3_column_text(st, 1));
		ret = 0;
	} else if (rc != SQLITE_DONE) {
		ret = -1;
	}
	sqlite3_finalize(st);
	pthread_mutex_unlock(&d->lock);
	return ret;
}

static int
sq_enroll(struct db *base, const char *hash, const struct db_device *dev,
    int64_t now_ms)
{
	struct sq *d = SQ(base);
	sqlite3_stmt *st;
	int rc, ret = -1;

	pthread_mutex_lock(&d->lock);
	if (exec(d, "BEGIN IMMEDIATE") != 0)
		goto out;
	st = prep(d, "UPDATE tokens SET used_ms = ?2 WHERE hash = ?1 AND "
	    "role = 'device-enrolment' AND used_ms IS NULL");
	if (st == NULL)
		goto rollback;
	sqlite3_bind_text(st, 1, hash, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, now_ms);
	rc = sqlite3_step(st);
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE)
		goto rollback;
	if (sqlite3_changes(d->db) != 1) {
		ret = 1;
		goto rollback;
	}
	st = prep(d, "SELECT pubkey FROM devices WHERE device_id = ?1");
	if (st == NULL)
		goto rollback;
	sqlite3_bind_text(st, 1, dev->device_id, -1, SQLITE_STATIC);
	if (sqlite3_step(st) == SQLITE_ROW &&
	    (sqlite3_column_bytes(st, 0) != KEYS_PUB_LEN ||
	    memcmp(sqlite3_column_blob(st, 0), dev->pk, KEYS_PUB_LEN) != 0)) {
		sqlite3_finalize(st);
		ret = 2;
		goto rollback;
	}
	sqlite3_finalize(st);
	st = prep(d, "INSERT INTO devices(device_id, pubkey, venue_id, "
	    "venue_name, address, ward, enrolled_ms) VALUES (?1, ?2, ?3, ?4, "
	    "?5, ?6, ?7) ON CONFLICT(device_id) DO UPDATE SET venue_id = "
	    "excluded.venue_id, venue_name = excluded.venue_name, address = "
	    "excluded.address, ward = excluded.ward");
	if (st == NULL)
		goto rollback;
	sqlite3_bind_text(st, 1, dev->device_id, -1, SQLITE_STATIC);
	sqlite3_bind_blob(st, 2, dev->pk, KEYS_PUB_LEN, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, dev->venue_id, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 4, dev->venue_name, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 5, dev->address, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 6, dev->ward, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 7, now_ms);
	rc = sqlite3_step(st);
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE || exec(d, "COMMIT") != 0)
		goto rollback;
	ret = 0;
	goto out;
rollback:
	(void)exec(d, "ROLLBACK");
out:
	pthread_mutex_unlock(&d->lock);
	return ret;
}

static int
sq_device_key(struct db *base, const char *device_id,
    unsigned char pk[KEYS_PUB_LEN])
{
	struct sq *d = SQ(base);
	sqlite3_stmt *st;
	int ret = 1;

	pthread_mutex_lock(&d->lock);
	st = prep(d, "SELECT pubkey FROM devices WHERE device_id = ?1");
	if (st == NULL) {
		pthread_mutex_unlock(&d->lock);
		return -1;
	}
	sqlite3_bind_text(st, 1, device_id, -1, SQLITE_STATIC);
	if (sqlite3_step(st) == SQLITE_ROW &&
	    sqlite3_column_bytes(st, 0) == KEYS_PUB_LEN) {
		memcpy(pk, sqlite3_column_blob(st, 0), KEYS_PUB_LEN);
		ret = 0;
	}
	sqlite3_finalize(st);
	pthread_mutex_unlock(&d->lock);
	return ret;
}

static int
sq_ingest(struct db *base, const struct batch_header *h, struct batch_visit *v,
    size_t n, int64_t now_ms, struct db_ingest_res *res)
{
	struct sq *d = SQ(base);
	sqlite3_stmt *ins = NULL, *rej = NULL, *has_in = NULL;
	size_t i;
	int rc;

	memset(res, 0, sizeof(*res));
	pthread_mutex_lock(&d->lock);
	if (exec(d, "BEGIN IMMEDIATE") != 0)
		goto fail;
	ins = prep(d, "INSERT INTO visits(device_id, instance_id, seq, kind, "
	    "subject, sealed, direction, wall_ms, boot_id, mono_ms, source, "
	    "received_ms) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, "
	    "?11, ?12) ON CONFLICT DO NOTHING");
	rej = prep(d, "INSERT INTO row_rejects(device_id, instance_id, seq, "
	    "reason, received_ms) VALUES (?1, ?2, ?3, ?4, ?5) ON CONFLICT DO "
	    "NOTHING");
	has_in = prep(d, "SELECT 1 FROM visits WHERE device_id = ?1 AND kind "
	    "= ?2 AND subject = ?3 AND direction = 'in' AND wall_ms <= ?4 "
	    "LIMIT 1");
	if (ins == NULL || rej == NULL || has_in == NULL)
		goto rollback;
	for (i = 0; i < n; i++) {
		const char *why = v[i].reject;

		if (why == NULL && strcmp(v[i].direction, "out") == 0) {
			sqlite3_bind_text(has_in, 1, h->device, -1,
			    SQLITE_STATIC);
			sqlite3_bind_text(has_in, 2, v[i].kind, -1,
			    SQLITE_STATIC);
			sqlite3_bind_text(has_in, 3, v[i].subject, -1,
			    SQLITE_STATIC);
			sqlite3_bind_int64(has_in, 4, v[i].wall_ms);
			if (sqlite3_step(has_in) != SQLITE_ROW)
				why = v[i].reject = "checkout_before_checkin";
			sqlite3_reset(has_in);
		}
		if (why != NULL) {
			sqlite3_bind_text(rej, 1, h->device, -1, SQLITE_STATIC);
			sqlite3_bind_text(rej, 2, h->instance, -1,
			    SQLITE_STATIC);
			sqlite3_bind_int64(rej, 3, v[i].seq);
			sqlite3_bind_text(rej, 4, why, -1, SQLITE_STATIC);
			sqlite3_bind_int64(rej, 5, now_ms);
			rc = sqlite3_step(rej);
			sqlite3_reset(rej);
			if (rc != SQLITE_DONE)
				goto rollback;
			res->rejected++;
			continue;
		}
		sqlite3_bind_text(ins, 1, h->device, -1, SQLITE_STATIC);
		sqlite3_bind_text(ins, 2, h->instance, -1, SQLITE_STATIC);
		sqlite3_bind_int64(ins, 3, v[i].seq);
		sqlite3_bind_text(ins, 4, v[i].kind, -1, SQLITE_STATIC);
		sqlite3_bind_text(ins, 5, v[i].subject, -1, SQLITE_STATIC);
		if (v[i].sealed != NULL)
			sqlite3_bind_blob(ins, 6, v[i].sealed,
			    (int)v[i].sealed_len, SQLITE_STATIC);
		else
			sqlite3_bind_null(ins, 6);
		sqlite3_bind_text(ins, 7, v[i].direction, -1, SQLITE_STATIC);
		sqlite3_bind_int64(ins, 8, v[i].wall_ms);
		sqlite3_bind_text(ins, 9, v[i].boot_id, -1, SQLITE_STATIC);
		sqlite3_bind_int64(ins, 10, v[i].mono_ms);
		sqlite3_bind_text(ins, 11, v[i].source, -1, SQLITE_STATIC);
		sqlite3_bind_int64(ins, 12, now_ms);
		rc = sqlite3_step(ins);
		sqlite3_reset(ins);
		if (rc != SQLITE_DONE)
			goto rollback;
		if (sqlite3_changes(d->db) == 1)
			res->stored++;
		else
			res->duplicates++;
	}
	sqlite3_finalize(ins);
	sqlite3_finalize(rej);
	sqlite3_finalize(has_in);
	ins = rej = has_in = NULL;
	ins = prep(d, "UPDATE devices SET last_batch_ms = ?2 WHERE device_id = "
	    "?1");
	if (ins == NULL)
		goto rollback;
	sqlite3_bind_text(ins, 1, h->device, -1, SQLITE_STATIC);
	sqlite3_bind_int64(ins, 2, now_ms);
	rc = sqlite3_step(ins);
	sqlite3_finalize(ins);
	ins = NULL;
	if (rc != SQLITE_DONE)
		goto rollback;
	/* Acknowledge only what is committed. */
	if (exec(d, "COMMIT") != 0)
		goto rollback;
	res->acked_through = h->last_seq;
	pthread_mutex_unlock(&d->lock);
	return 0;
rollback:
	log_error("collector db: ingest: %s", sqlite3_errmsg(d->db));
	sqlite3_finalize(ins);
	sqlite3_finalize(rej);
	sqlite3_finalize(has_in);
	(void)exec(d, "ROLLBACK");
fail:
	pthread_mutex_unlock(&d->lock);
	memset(res, 0, sizeof(*res));
	return -1;
}

static int
sq_device_venue(struct db *base, const char *device_id, char *name, size_t size)
{
	struct sq *d = SQ(base);
	sqlite3_stmt *st;
	int ret = 1;

	pthread_mutex_lock(&d->lock);
	st = prep(d, "SELECT venue_name FROM devices WHERE device_id = ?1");
	if (st == NULL) {
		pthread_mutex_unlock(&d->lock);
		return -1;
	}
	sqlite3_bind_text(st, 1, device_id, -1, SQLITE_STATIC);
	if (sqlite3_step(st) == SQLITE_ROW) {
		snprintf(name, size, "%s", sqlite3_column_text(st, 0));
		ret = 0;
	}
	sqlite3_finalize(st);
	pthread_mutex_unlock(&d->lock);
	return ret;
}

static int
sq_phone_checkin(struct db *base, const char *device_id, const char *kind,
    const char *subject, int64_t now_ms, int64_t window_ms,
    char *venue_name, size_t size)
{
	struct sq *d = SQ(base);
	sqlite3_stmt *st;
	int64_t seq;
	int rc, ret = -1;

	pthread_mutex_lock(&d->lock);
	if (exec(d, "BEGIN IMMEDIATE") != 0)
		goto out;
	st = prep(d, "SELECT venue_name FROM devices WHERE device_id = ?1");
	if (st == NULL)
		goto rollback;
	sqlite3_bind_text(st, 1, device_id, -1, SQLITE_STATIC);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW)
		snprintf(venue_name, size, "%s", sqlite3_column_text(st, 0));
	sqlite3_finalize(st);
	if (rc != SQLITE_ROW) {
		ret = 2;
		goto rollback;
	}
	st = prep(d, "SELECT 1 FROM visits WHERE kind = ?1 AND subject = ?2 "
	    "AND device_id = ?3 AND wall_ms > ?4 LIMIT 1");
	if (st == NULL)
		goto rollback;
	sqlite3_bind_text(st, 1, kind, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, subject, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, device_id, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 4, now_ms - window_ms);
	rc = sqlite3_step(st);
	sqlite3_finalize(st);
	if (rc == SQLITE_ROW) {
		ret = 1;
		goto rollback;
	}
	st = prep(d, "SELECT coalesce(max(seq), 0) + 1 FROM visits WHERE "
	    "device_id = ?1 AND instance_id = 'phone'");
	if (st == NULL)
		goto rollback;
	sqlite3_bind_text(st, 1, device_id, -1, SQLITE_STATIC);
	seq = sqlite3_step(st) == SQLITE_ROW ? sqlite3_column_int64(st, 0) : 1;
	sqlite3_finalize(st);
	st = prep(d, "INSERT INTO visits(device_id, instance_id, seq, kind, "
	    "subject, direction, wall_ms, boot_id, mono_ms, source, "
	    "received_ms) VALUES (?1, 'phone', ?2, ?3, ?4, 'in', ?5, 'phone', "
	    "0, 'phone', ?5)");
	if (st == NULL)
		goto rollback;
	sqlite3_bind_text(st, 1, device_id, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, seq);
	sqlite3_bind_text(st, 3, kind, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 4, subject, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 5, now_ms);
	rc = sqlite3_step(st);
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE || exec(d, "COMMIT") != 0)
		goto rollback;
	ret = 0;
	goto out;
rollback:
	(void)exec(d, "ROLLBACK");
out:
	pthread_mutex_unlock(&d->lock);
	return ret;
}

static int
sq_heartbeat(struct db *base, const char *device_id, const char *json,
    int64_t sent_at_ms, int64_t now_ms)
{
	struct sq *d = SQ(base);
	sqlite3_stmt *st;
	int rc;

	pthread_mutex_lock(&d->lock);
	st = prep(d, "INSERT INTO heartbeats(device_id, received_ms, "
	    "sent_at_ms, drift_ms, detail) VALUES (?1, ?2, ?3, ?4, ?5)");
	if (st == NULL) {
		pthread_mutex_unlock(&d->lock);
		return -1;
	}
	sqlite3_bind_text(st, 1, device_id, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, now_ms);
	sqlite3_bind_int64(st, 3, sent_at_ms);
	sqlite3_bind_int64(st, 4, sent_at_ms - now_ms);
	sqlite3_bind_text(st, 5, json, -1, SQLITE_STATIC);
	rc = sqlite3_step(st);
	sqlite3_finalize(st);
	pthread_mutex_unlock(&d->lock);
	return rc == SQLITE_DONE ? 0 : -1;
}

static int64_t
count(struct sq *d, const char *sql)
{
	sqlite3_stmt *st = prep(d, sql);
	int64_t n = -1;

	if (st != NULL && sqlite3_step(st) == SQLITE_ROW)
		n = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	return n;
}

static char *
sq_stats(struct db *base)
{
	struct sq *d = SQ(base);
	json_t *o = json_object(), *per = json_object();
	sqlite3_stmt *st;
	char *s;

	pthread_mutex_lock(&d->lock);
	json_object_set_new(o, "devices", json_integer(count(d,
	    "SELECT count(*) FROM devices")));
	json_object_set_new(o, "visits", json_integer(count(d,
	    "SELECT count(*) FROM visits")));
	json_object_set_new(o, "rejects", json_integer(count(d,
	    "SELECT count(*) FROM row_rejects")));
	json_object_set_new(o, "heartbeats", json_integer(count(d,
	    "SELECT count(*) FROM heartbeats")));
	st = prep(d, "SELECT device_id, instance_id, max(seq), count(*) FROM "
	    "visits GROUP BY device_id, instance_id ORDER BY device_id");
	while (st != NULL && sqlite3_step(st) == SQLITE_ROW) {
		char key[80];

		snprintf(key, sizeof(key), "%s/%s", sqlite3_column_text(st, 0),
		    sqlite3_column_text(st, 1));
		json_object_set_new(per, key, json_pack("{s:I, s:I}",
		    "max_seq", (json_int_t)sqlite3_column_int64(st, 2),
		    "visits", (json_int_t)sqlite3_column_int64(st, 3)));
	}
	sqlite3_finalize(st);
	pthread_mutex_unlock(&d->lock);
	json_object_set_new(o, "per_device", per);
	s = json_dumps(o, JSON_COMPACT | JSON_PRESERVE_ORDER);
	json_decref(o);
	return s;
}

static int64_t
sq_purge(struct db *base, int64_t before_ms)
{
	struct sq *d = SQ(base);
	const int64_t day = 86400000;
	int64_t cut = before_ms - ((before_ms % day) + day) % day;
	sqlite3_stmt *st;
	int64_t n = -1;

	pthread_mutex_lock(&d->lock);
	st = prep(d, "DELETE FROM visits WHERE wall_ms < ?1");
	if (st != NULL) {
		sqlite3_bind_int64(st, 1, cut);
		if (sqlite3_step(st) == SQLITE_DONE)
			n = sqlite3_changes64(d->db);
	}
	sqlite3_finalize(st);
	pthread_mutex_unlock(&d->lock);
	return n;
}

static void
text_col(sqlite3_stmt *st, int col, char *dst, size_t size)
{
	const unsigned char *t = sqlite3_column_text(st, col);

	snprintf(dst, size, "%s", t != NULL ? (const char *)t : "");
}

/* Room for one more of N elements of SIZE bytes in *P (capacity *CAP). */
static int
room(void **p, size_t n, size_t *cap, size_t size)
{
	void *q;

	if (n < *cap)
		return 0;
	q = realloc(*p, (*cap ? *cap * 2 : 32) * size);
	if (q == NULL)
		return -1;
	*p = q;
	*cap = *cap ? *cap * 2 : 32;
	return 0;
}

static int
sq_visits(struct db *base, const char *kind, const char *subject,
    const char *venue_id, int64_t from_ms, int64_t to_ms,
    struct db_visit **out, size_t *n)
{
	struct sq *d = SQ(base);
	sqlite3_stmt *st;
	size_t cap = 0;
	int rc, ret = 0;

	*out = NULL;
	*n = 0;
	pthread_mutex_lock(&d->lock);
	st = prep(d, venue_id == NULL ?
	    "SELECT v.device_id, d.venue_id, d.venue_name, coalesce(d.address,"
	    " ''), coalesce(d.ward, ''), v.kind, v.subject, v.direction, "
	    "v.source, v.wall_ms, v.sealed FROM visits v JOIN devices d ON "
	    "d.device_id = v.device_id WHERE v.kind = ?1 AND v.subject = ?2 "
	    "AND v.wall_ms >= ?3 AND v.wall_ms < ?4 ORDER BY v.wall_ms" :
	    "SELECT v.device_id, d.venue_id, d.venue_name, coalesce(d.address,"
	    " ''), coalesce(d.ward, ''), v.kind, v.subject, v.direction, "
	    "v.source, v.wall_ms, v.sealed FROM devices d JOIN visits v ON "
	    "v.device_id = d.device_id WHERE d.venue_id = ?5 AND v.wall_ms >= "
	    "?3 AND v.wall_ms < ?4 ORDER BY v.wall_ms");
	if (st == NULL) {
		pthread_mutex_unlock(&d->lock);
		return -1;
	}
	if (venue_id == NULL) {
		sqlite3_bind_text(st, 1, kind, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 2, subject, -1, SQLITE_STATIC);
	} else {
		sqlite3_bind_text(st, 5, venue_id, -1, SQLITE_STATIC);
	}
	sqlite3_bind_int64(st, 3, from_ms);
	sqlite3_bind_int64(st, 4, to_ms);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		struct db_visit *v = db_visit_push(out, n, &cap);
		int blen = sqlite3_column_bytes(st, 10);

		if (v == NULL) {
			ret = -1;
			break;
		}
		text_col(st, 0, v->device_id, sizeof(v->device_id));
		text_col(st, 1, v->venue_id, sizeof(v->venue_id));
		text_col(st, 2, v->venue_name, sizeof(v->venue_name));
		text_col(st, 3, v->address, sizeof(v->address));
		text_col(st, 4, v->ward, sizeof(v->ward));
		text_col(st, 5, v->kind, sizeof(v->kind));
		text_col(st, 6, v->subject, sizeof(v->subject));
		text_col(st, 7, v->direction, sizeof(v->direction));
		text_col(st, 8, v->source, sizeof(v->source));
		v->wall_ms = sqlite3_column_int64(st, 9);
		if (blen > 0 && (v->sealed = malloc((size_t)blen)) != NULL) {
			memcpy(v->sealed, sqlite3_column_blob(st, 10),
			    (size_t)blen);
			v->sealed_len = (size_t)blen;
		}
	}
	if (rc != SQLITE_DONE)
		ret = -1;
	sqlite3_finalize(st);
	pthread_mutex_unlock(&d->lock);
	if (ret != 0) {
		db_visits_free(*out, *n);
		*out = NULL;
		*n = 0;
	}
	return ret;
}

static int
sq_audit_add(struct db *base, int64_t at_ms, const char *who,
    const char *action, const char *detail_json, int64_t results)
{
	struct sq *d = SQ(base);
	sqlite3_stmt *st;
	int rc;

	pthread_mutex_lock(&d->lock);
	st = prep(d, "INSERT INTO audit(at_ms, who, action, detail, results) "
	    "VALUES (?1, ?2, ?3, ?4, ?5)");
	if (st == NULL) {
		pthread_mutex_unlock(&d->lock);
		return -1;
	}
	sqlite3_bind_int64(st, 1, at_ms);
	sqlite3_bind_text(st, 2, who, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, action, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 4, detail_json, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 5, results);
	rc = sqlite3_step(st);
	sqlite3_finalize(st);
	pthread_mutex_unlock(&d->lock);
	return rc == SQLITE_DONE ? 0 : -1;
}

static char *
sq_audit_list(struct db *base)
{
	struct sq *d = SQ(base);
	json_t *a = json_array();
	sqlite3_stmt *st;
	char *s = NULL;
	int rc = SQLITE_ERROR;

	pthread_mutex_lock(&d->lock);
	st = prep(d, "SELECT at_ms, who, action, detail, results FROM audit "
	    "ORDER BY id");
	while (st != NULL && (rc = sqlite3_step(st)) == SQLITE_ROW) {
		json_t *detail = json_loads((const char *)sqlite3_column_text(
		    st, 3), 0, NULL);

		json_array_append_new(a, json_pack("{s:I, s:s, s:s, s:o, s:I}",
		    "at_ms", (json_int_t)sqlite3_column_int64(st, 0), "who",
		    (const char *)sqlite3_column_text(st, 1), "action",
		    (const char *)sqlite3_column_text(st, 2), "detail",
		    detail ? detail : json_null(), "results",
		    (json_int_t)sqlite3_column_int64(st, 4)));
	}
	sqlite3_finalize(st);
	pthread_mutex_unlock(&d->lock);
	if (rc == SQLITE_DONE)
		s = json_dumps(a, JSON_COMPACT | JSON_PRESERVE_ORDER);
	json_decref(a);
	return s;
}

static int
sq_ward_devices(struct db *base, const char *ward,
    struct db_venue_status **out, size_t *n)
{
	struct sq *d = SQ(base);
	struct db_venue_status *v = NULL, *p;
	sqlite3_stmt *st;
	size_t cap = 0;
	int rc = SQLITE_ERROR;

	*n = 0;
	pthread_mutex_lock(&d->lock);
	st = prep(d, "SELECT d.device_id, d.venue_id, d.venue_name, "
	    "coalesce(d.address, ''), coalesce(d.ward, ''), "
	    "coalesce(d.last_batch_ms, 0), coalesce((SELECT max(received_ms) "
	    "FROM heartbeats h WHERE h.device_id = d.device_id), 0), "
	    "coalesce((SELECT detail FROM heartbeats h WHERE h.device_id = "
	    "d.device_id ORDER BY received_ms DESC LIMIT 1), '') FROM devices "
	    "d WHERE d.ward = ?1 ORDER BY d.venue_id, d.device_id");
	if (st != NULL)
		sqlite3_bind_text(st, 1, ward, -1, SQLITE_STATIC);
	while (st != NULL && (rc = sqlite3_step(st)) == SQLITE_ROW) {
		if (room((void **)&v, *n, &cap, sizeof(*v)) != 0) {
			rc = SQLITE_NOMEM;
			break;
		}
		p = &v[(*n)++];
		memset(p, 0, sizeof(*p));
		text_col(st, 0, p->dev.device_id, sizeof(p->dev.device_id));
		text_col(st, 1, p->dev.venue_id, sizeof(p->dev.venue_id));
		text_col(st, 2, p->dev.venue_name, sizeof(p->dev.venue_name));
		text_col(st, 3, p->dev.address, sizeof(p->dev.address));
		text_col(st, 4, p->dev.ward, sizeof(p->dev.ward));
		p->last_upload_ms = sqlite3_column_int64(st, 5);
		p->last_heartbeat_ms = sqlite3_column_int64(st, 6);
		text_col(st, 7, p->last_detail, sizeof(p->last_detail));
	}
	sqlite3_finalize(st);
	pthread_mutex_unlock(&d->lock);
	if (rc != SQLITE_DONE) {
		free(v);
		*n = 0;
		return -1;
	}
	*out = v;
	return 0;
}

static int64_t
sq_count_visits(struct db *base, const char *device_id, int64_t from_ms,
    int64_t to_ms)
{
	struct sq *d = SQ(base);
	sqlite3_stmt *st;
	int64_t c = -1;

	pthread_mutex_lock(&d->lock);
	st = prep(d, "SELECT count(*) FROM visits WHERE device_id = ?1 AND "
	    "direction = 'in' AND wall_ms >= ?2 AND wall_ms < ?3");
	if (st != NULL) {
		sqlite3_bind_text(st, 1, device_id, -1, SQLITE_STATIC);
		sqlite3_bind_int64(st, 2, from_ms);
		sqlite3_bind_int64(st, 3, to_ms);
		if (sqlite3_step(st) == SQLITE_ROW)
			c = sqlite3_column_int64(st, 0);
	}
	sqlite3_finalize(st);
	pthread_mutex_unlock(&d->lock);
	return c;
}

static int
sq_heartbeat_times(struct db *base, const char *device_id, int64_t from_ms,
    int64_t to_ms, int64_t **out, size_t *n)
{
	struct sq *d = SQ(base);
	sqlite3_stmt *st;
	int64_t *t = NULL;
	size_t cap = 0;
	int rc = SQLITE_ERROR;

	*n = 0;
	pthread_mutex_lock(&d->lock);
	st = prep(d, "SELECT received_ms FROM heartbeats WHERE device_id = ?1 "
	    "AND received_ms >= ?2 AND received_ms < ?3 ORDER BY received_ms");
	if (st != NULL) {
		sqlite3_bind_text(st, 1, device_id, -1, SQLITE_STATIC);
		sqlite3_bind_int64(st, 2, from_ms);
		sqlite3_bind_int64(st, 3, to_ms);
	}
	while (st != NULL && (rc = sqlite3_step(st)) == SQLITE_ROW) {
		if (room((void **)&t, *n, &cap, sizeof(*t)) != 0) {
			rc = SQLITE_NOMEM;
			break;
		}
		t[(*n)++] = sqlite3_column_int64(st, 0);
	}
	sqlite3_finalize(st);
	pthread_mutex_unlock(&d->lock);
	if (rc != SQLITE_DONE) {
		free(t);
		*n = 0;
		return -1;
	}
	*out = t;
	return 0;
}

static int
sq_inspection_add(struct db *base, const char *device_id, int64_t at_ms,
    const char *pass_id, const char *issuer, int64_t now_ms)
{
	struct sq *d = SQ(base);
	sqlite3_stmt *st;
	int rc;

	pthread_mutex_lock(&d->lock);
	st = prep(d, "INSERT INTO inspections(device_id, at_ms, pass_id, "
	    "issuer, received_ms) VALUES (?1, ?2, ?3, ?4, ?5) ON CONFLICT DO "
	    "NOTHING");
	if (st == NULL) {
		pthread_mutex_unlock(&d->lock);
		return -1;
	}
	sqlite3_bind_text(st, 1, device_id, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, at_ms);
	sqlite3_bind_text(st, 3, pass_id, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 4, issuer, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 5, now_ms);
	rc = sqlite3_step(st);
	sqlite3_finalize(st);
	pthread_mutex_unlock(&d->lock);
	return rc == SQLITE_DONE ? 0 : -1;
}

static char *
sq_inspections(struct db *base, const char *device_id, int64_t from_ms,
    int64_t to_ms)
{
	struct sq *d = SQ(base);
	json_t *a = json_array();
	sqlite3_stmt *st;
	char *s = NULL;
	int rc = SQLITE_ERROR;

	pthread_mutex_lock(&d->lock);
	st = prep(d, "SELECT at_ms, pass_id, issuer FROM inspections WHERE "
	    "device_id = ?1 AND at_ms >= ?2 AND at_ms < ?3 ORDER BY at_ms");
	if (st != NULL) {
		sqlite3_bind_text(st, 1, device_id, -1, SQLITE_STATIC);
		sqlite3_bind_int64(st, 2, from_ms);
		sqlite3_bind_int64(st, 3, to_ms);
	}
	while (st != NULL && (rc = sqlite3_step(st)) == SQLITE_ROW)
		json_array_append_new(a, json_pack("{s:I, s:s, s:s}", "at_ms",
		    (json_int_t)sqlite3_column_int64(st, 0), "pass_id",
		    (const char *)sqlite3_column_text(st, 1), "issuer",
		    (const char *)sqlite3_column_text(st, 2)));
	sqlite3_finalize(st);
	pthread_mutex_unlock(&d->lock);
	if (rc == SQLITE_DONE)
		s = json_dumps(a, JSON_COMPACT);
	json_decref(a);
	return s;
}

static const struct db_ops sq_ops = {
	.name = "sqlite",
	.close = sq_close,
	.token_put = sq_token_put,
	.token_role = sq_token_role,
	.enroll = sq_enroll,
	.device_key = sq_device_key,
	.ingest = sq_ingest,
	.device_venue = sq_device_venue,
	.phone_checkin = sq_phone_checkin,
	.heartbeat = sq_heartbeat,
	.stats = sq_stats,
	.purge = sq_purge,
	.visits = sq_visits,
	.audit_add = sq_audit_add,
	.audit_list = sq_audit_list,
	.ward_devices = sq_ward_devices,
	.count_visits = sq_count_visits,
	.heartbeat_times = sq_heartbeat_times,
	.inspection_add = sq_inspection_add,
	.inspections = sq_inspections,
};
