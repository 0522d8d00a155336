/*
 * db_pg_impl: what the PostgreSQL backend's files share (db_pg.c:
 * connections, transactions, statements; db_pg_load.c: day partitions,
 * loading batches, retention). Not for other modules.
 */
#ifndef KIOSK_DB_PG_IMPL_H
#define KIOSK_DB_PG_IMPL_H

#include <pthread.h>

#include <libpq-fe.h>

#include "db_impl.h"

#define DAY_MS INT64_C(86400000)

struct pgc {
	struct db_tx tx;	/* base: this connection's transaction */
	PGconn *c;
	int busy;
	int staged;		/* this session has its staging table */
	int open;		/* BEGIN was run */
	int stale;		/* its server is no longer the primary, or
				 * going away: connect afresh next time */
};

/* pg_note_failure(p, r): mark P stale when R's error says its server
 * cannot take writes any more (a demoted primary, a shutdown). */
void pg_note_failure(struct pgc *p, const PGresult *r);

struct pg {
	struct db base;
	char *conninfo;
	pthread_mutex_t lock;
	pthread_cond_t cond;
	struct pgc *pool;
	size_t npool;
	/* Days whose partition is known to exist (a cache: see ingest). */
	int64_t *days;
	size_t ndays, cap;
	int reader;		/* reads only, maybe on a standby: no schema,
				 * no staging table (db_open_reader) */
};

/* pg_log(what, c, r): the server's message for WHAT, logged once. */
void pg_log(const char *what, PGconn *c, const PGresult *r);

/* pg_plain(c, sql): run SQL with no parameters; 0 or -1 (logged). */
int pg_plain(PGconn *c, const char *sql);

/* pg_conn_get(d): a pooled connection, (re)connected; NULL (logged). */
struct pgc *pg_conn_get(struct pg *d);

/* pg_conn_put(d, p): give P back to the pool. */
void pg_conn_put(struct pg *d, struct pgc *p);

/* The backend's loading and retention primitives (db_pg_load.c). */
void pg_days_forget(struct pg *d);
int pg_prepare_rows(struct db *base, const struct wire_visit *v, size_t n);
int pg_insert_visits(struct db_tx *tx, const struct wire_header *h,
    const struct wire_visit *v, size_t n, int64_t now_ms, int64_t *stored);
int pg_forget_visit(struct db_tx *tx, const struct wire_header *h,
    int64_t seq);
int64_t pg_purge(struct db *base, int64_t cut_ms);
int64_t pg_partitions(struct db *base);

#endif
