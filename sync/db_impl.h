/*
 * db_impl: what a collector storage backend provides (db.h is what the
 * server sees). A backend is small: connections and transactions, one way
 * to run a statement and read its rows, and the two jobs where the
 * engines differ in kind (loading a batch of visits, dropping old days).
 * Every rule and every query is written once, above the backends, in
 * db.c and db_query.c, in SQL both engines take: $1-style parameters,
 * ON CONFLICT, coalesce, CAST(... AS bigint).
 *
 * Each backend's struct begins with a struct db whose ops point at its
 * functions; db.c dispatches on the URL's scheme.
 */
#ifndef KIOSK_DB_IMPL_H
#define KIOSK_DB_IMPL_H

#include "db.h"

struct db;
struct db_ops;

/* A connection in a transaction; each backend's begins with this. */
struct db_tx {
	struct db *d;
	int failed;		/* a statement failed: end() rolls back */
};

/* The current row of a statement; each backend's begins with this. */
struct db_row {
	const struct db_ops *ops;
};

enum db_tx_mode {
	DB_TX_ONE,		/* one statement, committed by itself */
	DB_TX_ONE_READ,		/* one statement that only reads (SQLite:
				 * on a reader, beside the writer) */
	DB_TX_READ,		/* several reads that see one state */
	DB_TX_WRITE		/* writes: serialised with other writers */
};

enum db_arg_type { DB_ARG_TEXT, DB_ARG_INT, DB_ARG_BLOB };

/* A statement's parameter: $1 is the first. A NULL text binds SQL NULL. */
struct db_arg {
	enum db_arg_type type;
	const char *text;
	int64_t i;
	const void *blob;
	size_t len;
};

#define DB_T(s) ((struct db_arg){ DB_ARG_TEXT, (s), 0, NULL, 0 })
#define DB_I(v) ((struct db_arg){ DB_ARG_INT, NULL, (v), NULL, 0 })
#define DB_B(p, n) ((struct db_arg){ DB_ARG_BLOB, NULL, 0, (p), (n) })

/*
 * A row callback: read the row with the ops' text/integer/blob; return 0
 * to go on, -1 to stop with an error (the statement then fails).
 */
typedef int (*db_row_fn)(void *ctx, const struct db_row *r);

/* What exec answers when a statement failed (logged once, by exec). */
#define DB_FAILED (-1)
/* insert_visits: a day's partition went away under us; prepare again. */
#define DB_RETRY (-2)

struct db_ops {
	const char *name;
	/* Appended to a SELECT that must lock its rows ("" where the
	 * engine serialises writers anyway). */
	const char *for_update;

	void (*close)(struct db *d);

	/*
	 * begin(d, mode): a connection in a transaction of MODE, or NULL
	 * (logged). end(tx, commit): COMMIT (when COMMIT and nothing failed)
	 * or ROLLBACK, and give the connection back. Returns 0 when
	 * committed, -1 (logged) when not.
	 */
	struct db_tx *(*begin)(struct db *d, enum db_tx_mode mode);
	int (*end)(struct db_tx *tx, int commit);

	/*
	 * exec(tx, sql, args, nargs, fn, ctx):
	 * Run SQL with ARGS, calling FN(CTX, row) for each row it gives.
	 * Returns the number of rows changed (or given), or DB_FAILED
	 * (logged with the engine's message); a failure fails the whole
	 * transaction.
	 */
	int64_t (*exec)(struct db_tx *tx, const char *sql,
	    const struct db_arg *args, size_t nargs, db_row_fn fn, void *ctx);

	/* A column of the current row: text ("" for NULL), integer (0 for
	 * NULL), or bytes (NULL for NULL). Valid during the callback. */
	const char *(*text)(const struct db_row *r, int col);
	int64_t (*integer)(const struct db_row *r, int col);
	const unsigned char *(*blob)(const struct db_row *r, int col,
	    size_t *len);

	/*
	 * prepare_rows(d, v, n): before a transaction that inserts rows V,
	 * whatever the engine needs that must not be in it (PostgreSQL: the
	 * days' partitions). NULL when nothing. Returns 0 or -1 (logged).
	 */
	int (*prepare_rows)(struct db *d, const struct wire_visit *v,
	    size_t n);

	/*
	 * insert_visits(tx, h, v, n, now_ms, stored):
	 * Insert the rows of V without a reject reason as H's device and
	 * instance; a (device, instance, seq) already there is left as it
	 * is. *STORED gets how many were new. Returns 0, DB_FAILED, or
	 * DB_RETRY when prepare_rows must run again.
	 */
	int (*insert_visits)(struct db_tx *tx, const struct wire_header *h,
	    const struct wire_visit *v, size_t n, int64_t now_ms,
	    int64_t *stored);

	/*
	 * forget_visit(tx, h, seq): drop the stored visit (H's device and
	 * instance, SEQ) so that insert_visits takes it again with another
	 * time (its copy was filed under a time that could not be
	 * trusted). Returns 0 or DB_FAILED.
	 */
	int (*forget_visit)(struct db_tx *tx, const struct wire_header *h,
	    int64_t seq);

	/* purge(d, cut_ms): drop visits before the day boundary CUT_MS;
	 * how many went, or -1. */
	int64_t (*purge)(struct db *d, int64_t cut_ms);

	/* partitions(d): how many day partitions, or -1 when none. */
	int64_t (*partitions)(struct db *d);
};

struct shards;

struct db {
	const struct db_ops *ops;
	/* A coordinator's district shards (db_pg_shards.c), or NULL: its
	 * visits live on their servers. */
	struct shards *shards;
};

/*
 * The district shards of a coordinator (db_pg_shards.c; docs/scaling.md).
 * shards_load(d): read D's shards (none: d->shards stays NULL); 0 or -1.
 * shards_free(s): close their stores. The rest route one device's visits
 * to its district's server, or run on every shard; each returns what
 * the function it stands for returns.
 */
int shards_load(struct db *d);
void shards_free(struct shards *s);
int shards_ingest(struct db *d, const struct wire_header *h,
    struct wire_visit *v, size_t n, int64_t now_ms,
    struct db_ingest_res *res);
int shards_phone_checkin(struct db *d, const char *device_id,
    const char *kind, const char *subject, int64_t now_ms,
    int64_t window_ms, char *venue_name, size_t size);
int64_t shards_purge(struct db *d, int64_t before_ms);
/* shards_check_file(path): 0 when PATH is a shards file init would
 * take (checked as db_shards_setup checks it, nothing opened), or -1
 * (logged). */
int shards_check_file(const char *path);
/* shards_district(d, ward): the district of WARD among D's shards, or
 * NULL (no shards, or a ward in none). */
const char *shards_district(const struct db *d, const char *ward);

/* The backends' constructors, with CONNECTIONS for concurrent work
 * (SQLite: readers beside its one writer; PostgreSQL: the pool): NULL
 * with a log line on failure. */
/* CREATE 0: refuse a store that is not one already (db_open_existing). */
struct db *db_sqlite_open(const char *path, int connections, int create);
/* db_pg_open(conninfo, connections, create, reader): READER opens a
 * standby to read from (no schema, no staging: db_open_reader). */
struct db *db_pg_open(const char *conninfo, int connections, int create,
    int reader);
int db_pg_read_lag(struct db *d, int *standby, int64_t *lag_ms);

/*
 * db_one(d, mode, sql, args, nargs, fn, ctx):
 * One statement in its own transaction: begin, exec, end. Returns what
 * exec returned, or DB_FAILED (logged).
 */
int64_t db_one(struct db *d, enum db_tx_mode mode, const char *sql,
    const struct db_arg *args, size_t nargs, db_row_fn fn, void *ctx);

/*
 * db_exec(tx, sql, args, nargs, fn, ctx): exec in TX with the ops of TX's
 * store (see struct db_ops).
 */
int64_t db_exec(struct db_tx *tx, const char *sql, const struct db_arg *args,
    size_t nargs, db_row_fn fn, void *ctx);

/* db_token_hash(token, out): the hex BLAKE2b-256 a token is stored as. */
void db_token_hash(const char *token, char out[65]);

/* The row readers, for the query callbacks (forwarded to the backend). */
const char *db_text(const struct db_row *r, int col);
int64_t db_int(const struct db_row *r, int col);
const unsigned char *db_blob(const struct db_row *r, int col, size_t *len);

#endif
