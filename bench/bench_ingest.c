/*
 * bench_ingest: the collector's ingest (db_ingest: what a batch upload
 * does once its signature checks out) against a bare load of the same
 * rows into the same database: on PostgreSQL a COPY straight into a table
 * with the same partitions, key and indexes; on SQLite a prepared INSERT
 * loop with the same durability. Both in transactions of one batch (1000
 * rows). Prints visits per second and the ratio (target: within 2x of the
 * bare load on PostgreSQL).
 *
 *   bench_ingest URL [VISITS]     URL: sqlite:PATH or postgresql://...
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <libpq-fe.h>
#include <sodium.h>
#include <sqlite3.h>

#include "bench_util.h"
#include "wire.h"
#include "db.h"

#define BATCH 1000
#define DAY INT64_C(86400000)
#define SEALED_LEN 96

/* Rows like a kiosk's over five days: phone and ID visits, sealed fields. */
static void
make_rows(struct wire_visit *v, size_t n, int64_t seq0, int64_t t0)
{
	size_t i;

	for (i = 0; i < n; i++) {
		int64_t s = seq0 + (int64_t)i;

		memset(&v[i], 0, sizeof(v[i]));
		v[i].seq = s;
		if (s % 3 == 0) {
			snprintf(v[i].kind, sizeof(v[i].kind), "cccd");
			snprintf(v[i].subject, sizeof(v[i].subject), "0790%08d",
			    (int)(s % 100000000));
			v[i].sealed = malloc(SEALED_LEN);
			randombytes_buf(v[i].sealed, SEALED_LEN);
			v[i].sealed_len = SEALED_LEN;
		} else {
			snprintf(v[i].kind, sizeof(v[i].kind), "phone");
			snprintf(v[i].subject, sizeof(v[i].subject), "+8490%07d",
			    (int)(s % 10000000));
		}
		snprintf(v[i].direction, sizeof(v[i].direction), "in");
		v[i].wall_ms = t0 + s * 4000;	/* 100k rows: ~4.6 days */
		snprintf(v[i].boot_id, sizeof(v[i].boot_id),
		    "4f7c1e9a-2b3d-4e5f-8a9b-0c1d2e3f4a5b");
		v[i].mono_ms = s * 4000;
		snprintf(v[i].source, sizeof(v[i].source), "camera");
	}
}

static void
free_rows(struct wire_visit *v, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		free(v[i].sealed);
		v[i].sealed = NULL;
	}
}

/* ---- bare load, PostgreSQL: COPY into a twin of visits ---- */

static int
pg_ok(PGconn *c, const char *sql)
{
	PGresult *r = PQexec(c, sql);
	int ok = PQresultStatus(r) == PGRES_COMMAND_OK ||
	    PQresultStatus(r) == PGRES_TUPLES_OK;

	if (!ok)
		fprintf(stderr, "bench_ingest: %s: %s", sql,
		    PQresultErrorMessage(r));
	PQclear(r);
	return ok ? 0 : -1;
}

static int
pg_bare_setup(PGconn *c, int64_t t0, int64_t days)
{
	char sql[256];
	int64_t d, first = t0 / DAY;

	if (pg_ok(c, "SET client_min_messages = warning") ||
	    pg_ok(c, "DROP TABLE IF EXISTS bare") ||
	    pg_ok(c, "CREATE TABLE bare (LIKE visits INCLUDING DEFAULTS, "
	    "PRIMARY KEY (device_id, instance_id, seq, wall_ms)) PARTITION BY "
	    "RANGE (wall_ms)") ||
	    pg_ok(c, "CREATE INDEX ON bare(kind, subject, wall_ms)") ||
	    pg_ok(c, "CREATE INDEX ON bare(device_id, wall_ms)"))
		return -1;
	for (d = first; d <= first + days; d++) {
		snprintf(sql, sizeof(sql), "CREATE TABLE bare_%" PRId64
		    " PARTITION OF bare FOR VALUES FROM (%" PRId64 ") TO (%"
		    PRId64 ")", d, d * DAY, (d + 1) * DAY);
		if (pg_ok(c, sql))
			return -1;
	}
	return 0;
}

static int
pg_bare_batch(PGconn *c, const char *instance, const struct wire_visit *v,
    size_t n, char *buf, size_t size)
{
	size_t len = 0, i, k;
	PGresult *r;
	int ok;

	for (i = 0; i < n; i++) {
		len += (size_t)snprintf(buf + len, size - len,
		    "BENCHDEVICE00001\t%s\t%" PRId64 "\t%s\t%s\t", instance,
		    v[i].seq, v[i].kind, v[i].subject);
		if (v[i].sealed == NULL) {
			len += (size_t)snprintf(buf + len, size - len, "\\N");
		} else {
			len += (size_t)snprintf(buf + len, size - len, "\\\\x");
			for (k = 0; k < v[i].sealed_len; k++)
				len += (size_t)snprintf(buf + len, size - len,
				    "%02x", v[i].sealed[k]);
		}
		len += (size_t)snprintf(buf + len, size - len, "\t%s\t%" PRId64
		    "\t%s\t%" PRId64 "\t%s\t%" PRId64 "\n", v[i].direction,
		    v[i].wall_ms, v[i].boot_id, v[i].mono_ms, v[i].source,
		    v[i].wall_ms);
	}
	if (pg_ok(c, "BEGIN"))
		return -1;
	r = PQexec(c, "COPY bare FROM STDIN");
	ok = PQresultStatus(r) == PGRES_COPY_IN;
	PQclear(r);
	ok = ok && PQputCopyData(c, buf, (int)len) == 1 &&
	    PQputCopyEnd(c, NULL) == 1;
	while ((r = PQgetResult(c)) != NULL) {
		ok = ok && PQresultStatus(r) == PGRES_COMMAND_OK;
		PQclear(r);
	}
	return ok && pg_ok(c, "COMMIT") == 0 ? 0 : -1;
}

/* ---- bare load, SQLite: prepared INSERTs, same pragmas ---- */

static int
sq_bare_setup(sqlite3 *db)
{
	return sqlite3_exec(db, "PRAGMA journal_mode = WAL;"
	    "PRAGMA synchronous = FULL;"
	    "DROP TABLE IF EXISTS bare;"
	    "CREATE TABLE bare(device_id TEXT NOT NULL, instance_id TEXT NOT "
	    "NULL, seq INTEGER NOT NULL, kind TEXT NOT NULL, subject TEXT NOT "
	    "NULL, sealed BLOB, direction TEXT NOT NULL, wall_ms INTEGER NOT "
	    "NULL, boot_id TEXT NOT NULL, mono_ms INTEGER NOT NULL, source "
	    "TEXT NOT NULL, received_ms INTEGER NOT NULL, PRIMARY KEY "
	    "(device_id, instance_id, seq)) WITHOUT ROWID;"
	    "CREATE INDEX bare_subject ON bare(kind, subject, wall_ms);"
	    "CREATE INDEX bare_device_time ON bare(device_id, wall_ms);",
	    NULL, NULL, NULL) == SQLITE_OK ? 0 : -1;
}

static int
sq_bare_batch(sqlite3 *db, const char *instance, const struct wire_visit *v,
    size_t n)
{
	sqlite3_stmt *st = NULL;
	size_t i;
	int rc = 0;

	if (sqlite3_exec(db, "BEGIN IMMEDIATE", NULL, NULL, NULL) != SQLITE_OK ||
	    sqlite3_prepare_v2(db, "INSERT INTO bare VALUES ('BENCHDEVICE00001',"
	    " ?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?7)", -1, &st, NULL) !=
	    SQLITE_OK)
		return -1;
	for (i = 0; i < n && rc == 0; i++) {
		sqlite3_bind_text(st, 1, instance, -1, SQLITE_STATIC);
		sqlite3_bind_int64(st, 2, v[i].seq);
		sqlite3_bind_text(st, 3, v[i].kind, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 4, v[i].subject, -1, SQLITE_STATIC);
		if (v[i].sealed != NULL)
			sqlite3_bind_blob(st, 5, v[i].sealed,
			    (int)v[i].sealed_len, SQLITE_STATIC);
		else
			sqlite3_bind_null(st, 5);
		sqlite3_bind_text(st, 6, v[i].direction, -1, SQLITE_STATIC);
		sqlite3_bind_int64(st, 7, v[i].wall_ms);
		sqlite3_bind_text(st, 8, v[i].boot_id, -1, SQLITE_STATIC);
		sqlite3_bind_int64(st, 9, v[i].mono_ms);
		sqlite3_bind_text(st, 10, v[i].source, -1, SQLITE_STATIC);
		rc = sqlite3_step(st) == SQLITE_DONE ? 0 : -1;
		sqlite3_reset(st);
	}
	sqlite3_finalize(st);
	if (sqlite3_exec(db, rc == 0 ? "COMMIT" : "ROLLBACK", NULL, NULL,
	    NULL) != SQLITE_OK)
		rc = -1;
	return rc;
}

int
main(int argc, char **argv)
{
	const char *url = argc > 1 ? argv[1] : NULL;
	size_t total = argc > 2 ? (size_t)strtoul(argv[2], NULL, 10) : 100000;
	int pg = url != NULL && strncmp(url, "postgres", 8) == 0;
	struct wire_visit *v = calloc(BATCH, sizeof(*v));
	size_t bufsize = BATCH * 512, done;
	char *buf = malloc(bufsize);
	int64_t t0 = (int64_t)time(NULL) * 1000 - 6 * DAY;
	double t_bare = 0, t_ingest = 0, t;
	struct db *d;
	PGconn *c = NULL;
	sqlite3 *sq = NULL;
	int round, rc = 0;

	if (url == NULL || total < BATCH || v == NULL || buf == NULL) {
		fprintf(stderr, "usage: bench_ingest sqlite:PATH|postgresql://"
		    "... [VISITS]\n");
		return 2;
	}
	if (sodium_init() < 0 || (d = db_open(url)) == NULL)
		return 1;
	if (pg) {
		c = PQconnectdb(url);
		if (PQstatus(c) != CONNECTION_OK || pg_bare_setup(c, t0, 6) != 0)
			return 1;
	} else if (sqlite3_open(url + 7, &sq) != SQLITE_OK ||
	    sq_bare_setup(sq) != 0) {
		return 1;
	}
	/* Two rounds, the order swapped in the second, fresh instances. */
	for (round = 0; round < 2 && rc == 0; round++) {
		char inst_b[33], inst_i[33];
		int which;

		snprintf(inst_b, sizeof(inst_b), "bare%d", round);
		snprintf(inst_i, sizeof(inst_i), "ingest%d", round);
		for (which = 0; which < 2 && rc == 0; which++) {
			int bare = (which == 0) == (round == 0);

			for (done = 0; done + BATCH <= total / 2 && rc == 0;
			    done += BATCH) {
				struct wire_header h = { 0 };
				struct db_ingest_res res;

				make_rows(v, BATCH, (int64_t)(round * total / 2
				    + done) + 1, t0);
				t = now_s();
				if (bare && pg) {
					rc = pg_bare_batch(c, inst_b, v, BATCH,
					    buf, bufsize);
				} else if (bare) {
					rc = sq_bare_batch(sq, inst_b, v, BATCH);
				} else {
					snprintf(h.device, sizeof(h.device),
					    "BENCHDEVICE00001");
					snprintf(h.instance, sizeof(h.instance),
					    "%s", inst_i);
					h.first_seq = v[0].seq;
					h.last_seq = v[BATCH - 1].seq;
					h.count = BATCH;
					rc = db_ingest(d, &h, v, BATCH,
					    v[BATCH - 1].wall_ms, &res);
					if (rc == 0 && res.stored != BATCH)
						rc = -1;
				}
				t = now_s() - t;
				if (bare)
					t_bare += t;
				else
					t_ingest += t;
				free_rows(v, BATCH);
			}
		}
	}
	if (rc != 0) {
		fprintf(stderr, "bench_ingest: a load failed\n");
		return 1;
	}
	total = total / 2 / BATCH * BATCH * 2;
	printf("ingest (%s): collector %.0f visits/s, bare %s %.0f visits/s; "
	    "ratio %.2fx the bare load (%zu visits each, batches of %d)%s\n",
	    db_backend(d), (double)total / t_ingest, pg ? "COPY" : "INSERT",
	    (double)total / t_bare, t_ingest / t_bare, total, BATCH,
	    pg ? (t_ingest / t_bare <= 2.0 ? "; target <= 2x OK" :
	    "; target <= 2x OVER") : "");
	if (pg) {
		pg_ok(c, "DROP TABLE bare");
		PQfinish(c);
	} else {
		sqlite3_exec(sq, "DROP TABLE bare", NULL, NULL, NULL);
		sqlite3_close(sq);
	}
	db_close(d);
	free(v);
	free(buf);
	return 0;
}
