/*
 * bench_trace: trace latency (depth 1 and 2) over a large collector
 * database: VISITS visits by VISITS/5 people at 5,000 venues over 28
 * days, opening hours 07:00-21:00, loaded straight into the store with
 * SQL (generate_series / a recursive CTE), then traced through the same
 * code `collector trace` runs. Each figure is also given as a ratio to a
 * bare indexed look-up of the case's own visits in the same run.
 *
 *   bench_trace URL VISITS [CASES]
 *
 * URL may be a coordinator of district shards (collector init --shards):
 * each district's server is then loaded with its wards' share, and the
 * trace runs through the coordinator (bench/bench_shards.sh).
 *
 * The venues are spread over 50 wards ("Ward 0" ...), or over
 * BENCH_TRACE_WARDS of them (1: one ward of 5,000 venues, as the web
 * console's bench wants, bench/bench_console.sh).
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
#include "db.h"
#include "trace.h"

#define DAY INT64_C(86400000)
#define VENUES 5000
#define DAYS 28

/* How many wards the venues are spread over. */
static int
wards(void)
{
	const char *e = getenv("BENCH_TRACE_WARDS");
	long w = e != NULL ? strtol(e, NULL, 10) : 50;

	return w >= 1 && w <= VENUES ? (int)w : 50;
}

static int
pg_run(PGconn *c, const char *sql)
{
	PGresult *r = PQexec(c, sql);
	int ok = PQresultStatus(r) == PGRES_COMMAND_OK ||
	    PQresultStatus(r) == PGRES_TUPLES_OK;

	if (!ok)
		fprintf(stderr, "bench_trace: %.60s...: %s", sql,
		    PQresultErrorMessage(r));
	PQclear(r);
	return ok ? 0 : -1;
}

/*
 * The same rows on both backends, from the row number x (0-based):
 * venue x / per_venue, seq x % per_venue + 1, person hash(x) % people,
 * day hash2(x) % 28, minute of the day 07:00 + hash3(x) % 14 h.
 */
#define H1 "((x * 2654435761) %% 4294967296)"
#define H2 "((x * 40503 + 12345) %% 65521)"
#define H3 "((x * 69069 + 1) %% 104729)"

/*
 * Load into the collector database at URL the devices and visits whose
 * ward number (venue % wards) WARDS_SQL accepts ("true": all), with their
 * day partitions and indexes; DEVICES_ONLY: the devices alone (a
 * coordinator of district shards).
 */
static int
load_one(const char *url, int64_t n, int64_t t0, const char *wards_sql,
    int devices_only)
{
	PGconn *c = PQconnectdb(url);
	char sql[2048];
	int64_t d, per = n / VENUES, people = n / 5;

	if (PQstatus(c) != CONNECTION_OK) {
		fprintf(stderr, "bench_trace: %s", PQerrorMessage(c));
		return -1;
	}
	if (pg_run(c, "SET client_min_messages = warning") ||
	    pg_run(c, "SET maintenance_work_mem = '512MB'"))
		return -1;
	for (d = 0; !devices_only && d <= DAYS; d++) {
		int64_t day = t0 / DAY + d;
		time_t tt = (time_t)(day * 86400);
		struct tm tm;

		/* Named as the collector names its day partitions. */
		gmtime_r(&tt, &tm);
		snprintf(sql, sizeof(sql), "CREATE TABLE IF NOT EXISTS "
		    "visits_p%04d%02d%02d PARTITION OF visits FOR VALUES FROM (%"
		    PRId64 ") TO (%" PRId64 ")", tm.tm_year + 1900, tm.tm_mon + 1,
		    tm.tm_mday, day * DAY, (day + 1) * DAY);
		if (pg_run(c, sql))
			return -1;
	}
	snprintf(sql, sizeof(sql), "INSERT INTO devices(device_id, pubkey, "
	    "venue_id, venue_name, address, ward, enrolled_ms) SELECT "
	    "'BENCH' || lpad(v::text, 11, '0'), '\\x00'::bytea, 'V' || v, "
	    "'Venue ' || v, 'Street ' || v, 'Ward ' || (v %% %d), 0 FROM "
	    "generate_series(0, %d) v WHERE (v %% %d) %s", wards(), VENUES - 1,
	    wards(), wards_sql);
	if (pg_run(c, sql))
		return -1;
	if (devices_only) {
		int rc = pg_run(c, "ANALYZE");

		PQfinish(c);
		return rc;
	}
	if (pg_run(c, "DROP INDEX IF EXISTS visits_subject") ||
	    pg_run(c, "DROP INDEX IF EXISTS visits_device_time"))
		return -1;
	snprintf(sql, sizeof(sql), "INSERT INTO visits SELECT 'BENCH' || "
	    "lpad((x / %" PRId64 ")::text, 11, '0'), 'bench', x %% %" PRId64
	    " + 1, 'phone', '09' || lpad((" H1 " %% %" PRId64 ")::text, 8, "
	    "'0'), NULL, 'in', %" PRId64 " + (" H2 " %% %d) * 86400000 + "
	    "(420 + " H3 " %% 840) * 60000 + x %% 60000, 'bench', 0, "
	    "'camera', 0 FROM generate_series(0::bigint, %" PRId64 ") x WHERE "
	    "((x / %" PRId64 ") %% %d) %s", per, per, people, t0, DAYS,
	    (n / VENUES) * VENUES - 1, per, wards(), wards_sql);
	if (pg_run(c, sql) ||
	    pg_run(c, "CREATE INDEX visits_subject ON visits(kind, subject, "
	    "wall_ms)") ||
	    pg_run(c, "CREATE INDEX visits_device_time ON visits(device_id, "
	    "wall_ms)") ||
	    pg_run(c, "CREATE INDEX IF NOT EXISTS devices_venue ON "
	    "devices(venue_id)") ||
	    pg_run(c, "ANALYZE"))
		return -1;
	PQfinish(c);
	return 0;
}

/*
 * The database at URL, or, when it is a coordinator of district shards
 * (sync/db_pg_shards.c), each district's server with its wards' devices and
 * visits (the coordinator: every device).
 */
static int
load_pg(const char *url, int64_t n, int64_t t0)
{
	PGconn *c = PQconnectdb(url);
	PGresult *r;
	int i, rc = 0;

	if (PQstatus(c) != CONNECTION_OK) {
		fprintf(stderr, "bench_trace: %s", PQerrorMessage(c));
		return -1;
	}
	r = PQexec(c, "SELECT s.conninfo, string_agg(substr(w.ward, 6), ',') "
	    "FROM shards s JOIN shard_wards w ON w.shard = s.name GROUP BY "
	    "s.conninfo");
	if (PQresultStatus(r) != PGRES_TUPLES_OK) {
		PQclear(r);
		PQfinish(c);
		return load_one(url, n, t0, "IS NOT NULL", 0);
	}
	for (i = 0; i < PQntuples(r) && rc == 0; i++) {
		char in[1024];

		snprintf(in, sizeof(in), "IN (%s)", PQgetvalue(r, i, 1));
		rc = load_one(PQgetvalue(r, i, 0), n, t0, in, 0);
	}
	if (rc == 0)
		rc = load_one(url, n, t0, "IS NOT NULL", 1);
	PQclear(r);
	PQfinish(c);
	return rc;
}

static int
load_sqlite(const char *path, int64_t n, int64_t t0)
{
	sqlite3 *db;
	char sql[2048];
	int64_t per = n / VENUES, people = n / 5;
	char *err = NULL;
	int rc;

	if (sqlite3_open(path, &db) != SQLITE_OK)
		return -1;
	snprintf(sql, sizeof(sql),
	    "PRAGMA journal_mode = WAL; PRAGMA synchronous = OFF;"
	    "PRAGMA cache_size = -262144;"
	    "DROP INDEX IF EXISTS visits_subject;"
	    "DROP INDEX IF EXISTS visits_device_time;"
	    "BEGIN;"
	    "WITH RECURSIVE g(v) AS (SELECT 0 UNION ALL SELECT v + 1 FROM g "
	    "WHERE v < %d) INSERT INTO devices(device_id, pubkey, venue_id, "
	    "venue_name, address, ward, enrolled_ms) SELECT 'BENCH' || "
	    "printf('%%011d', v), x'00', 'V' || v, 'Venue ' || v, 'Street ' "
	    "|| v, 'Ward ' || (v %% %d), 0 FROM g;"
	    "WITH RECURSIVE g(x) AS (SELECT 0 UNION ALL SELECT x + 1 FROM g "
	    "WHERE x < %" PRId64 ") INSERT INTO visits SELECT 'BENCH' || "
	    "printf('%%011d', x / %" PRId64 "), 'bench', x %% %" PRId64 " + 1, "
	    "'phone', '09' || printf('%%08d', " H1 " %% %" PRId64 "), NULL, "
	    "'in', %" PRId64 " + (" H2 " %% %d) * 86400000 + (420 + " H3
	    " %% 840) * 60000 + x %% 60000, 'bench', 0, 'camera', 0 FROM g;"
	    "COMMIT;"
	    "CREATE INDEX visits_subject ON visits(kind, subject, wall_ms);"
	    "CREATE INDEX visits_device_time ON visits(device_id, wall_ms);"
	    "ANALYZE;", VENUES - 1, wards(), (n / VENUES) * VENUES - 1, per, per, people,
	    t0, DAYS);
	rc = sqlite3_exec(db, sql, NULL, NULL, &err);
	if (rc != SQLITE_OK)
		fprintf(stderr, "bench_trace: %s\n", err ? err : "error");
	sqlite3_free(err);
	sqlite3_close(db);
	return rc == SQLITE_OK ? 0 : -1;
}

int
main(int argc, char **argv)
{
	const char *url = argc > 1 ? argv[1] : NULL;
	int64_t n = argc > 2 ? strtoll(argv[2], NULL, 10) : 1000000;
	int cases = argc > 3 ? (int)strtol(argv[3], NULL, 10) : 15;
	int pg = url != NULL && strncmp(url, "postgres", 8) == 0;
	int64_t t0 = (int64_t)time(NULL) * 1000 - (DAYS + 1) * DAY;
	double *lat[3], t, load;
	int64_t found[3] = { 0, 0, 0 }, own = 0;
	struct db *d;
	int i, depth;

	if (url == NULL || n < VENUES * 10 || cases < 1) {
		fprintf(stderr, "usage: bench_trace URL VISITS [CASES]\n");
		return 2;
	}
	t0 -= t0 % DAY;
	if (sodium_init() < 0 || (d = db_open(url)) == NULL)
		return 1;
	db_close(d);
	t = now_s() * 1e3;
	if ((pg ? load_pg(url, n, t0) : load_sqlite(url + 7, n, t0)) != 0)
		return 1;
	load = now_s() - t / 1e3;
	if ((d = db_open(url)) == NULL)
		return 1;
	for (i = 0; i < 3; i++)
		lat[i] = calloc((size_t)cases, sizeof(double));
	for (i = 0; i < cases; i++) {
		struct trace_opts o = { .kind = "phone",
		    .min_overlap_ms = TRACE_DEFAULT_MIN_OVERLAP * 60000,
		    .default_stay_ms = TRACE_DEFAULT_STAY_MIN * 60000 };
		struct db_visit *v;
		size_t nv;
		int64_t x = (int64_t)i * 7919 % n;

		/* A person who has visits: the one of row x. */
		snprintf(o.subject, sizeof(o.subject), "09%08" PRId64,
		    (int64_t)((x * 2654435761LL) % 4294967296LL) % (n / 5));
		o.from_ms = t0 + 14 * DAY;
		o.to_ms = t0 + (DAYS + 1) * DAY;
		t = now_s() * 1e3;
		if (db_visits_subject(d, o.kind, o.subject, o.from_ms,
		    o.to_ms, &v, &nv) != 0)
			return 1;
		lat[0][i] = now_s() * 1e3 - t;
		own += (int64_t)nv;
		db_visits_free(v, nv);
		for (depth = 1; depth <= 2; depth++) {
			struct trace_result r;
			int rc;

			o.depth = depth;
			t = now_s() * 1e3;
			rc = trace_run(d, &o, &r);
			lat[depth][i] = now_s() * 1e3 - t;
			if (rc != 0)
				return 1;
			found[depth] += trace_count(&r);
			trace_result_release(&r);
		}
	}
	for (i = 0; i < 3; i++)
		qsort(lat[i], (size_t)cases, sizeof(double), cmp_double);
	printf("trace (%s, %" PRId64 " visits, %d venues, %d days; loaded in "
	    "%.0f s): %d cases over 14 days\n", db_backend(d), n, VENUES, DAYS,
	    load, cases);
	printf("  case's own visits (bare look-up): median %.2f ms, %.1f "
	    "visits per case\n", lat[0][cases / 2], (double)own / cases);
	for (depth = 1; depth <= 2; depth++)
		printf("  depth %d: median %.1f ms, p90 %.1f ms, max %.1f ms "
		    "(%.0fx the bare look-up), %.1f people found per case%s\n",
		    depth, lat[depth][cases / 2], lat[depth][cases * 9 / 10],
		    lat[depth][cases - 1], lat[depth][cases / 2] /
		    (lat[0][cases / 2] > 0.001 ? lat[0][cases / 2] : 0.001),
		    (double)found[depth] / cases, depth == 1 ?
		    (lat[1][cases * 9 / 10] < 200 ? "; target < 200 ms OK" :
		    "; target < 200 ms OVER") : "");
	db_close(d);
	for (i = 0; i < 3; i++)
		free(lat[i]);
	return 0;
}
