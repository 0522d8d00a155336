/*
 * store_impl: what the store's files (store.c, store_query.c) share: the
 * handle and the SQLite helpers that log a failure once with SQLite's
 * message. Not for other modules (store.h is).
 */
#ifndef KIOSK_STORE_IMPL_H
#define KIOSK_STORE_IMPL_H

#include <sqlite3.h>

#include "store.h"

struct store {
	sqlite3 *db;
	char *path;
	char instance[STORE_INSTANCE_LEN + 1];
	char boot_id[STORE_BOOT_ID_LEN + 1];
	char *recovered_from;
	/* Statements of the check-in path, prepared once. */
	sqlite3_stmt *st_last;
	sqlite3_stmt *st_insert;
	sqlite3_stmt *st_trusted;
};

/* store_sql_error(s, what): log SQLite's message for WHAT. */
void store_sql_error(struct store *s, const char *what);

/* store_exec(s, sql): run SQL (no rows); 0 or -1 (logged). */
int store_exec(struct store *s, const char *sql);

/* store_prepare(s, sql): a statement (caller finalises), or NULL (logged). */
sqlite3_stmt *store_prepare(struct store *s, const char *sql);

/*
 * store_query_int(s, out, dflt, sql, ...):
 * Run SQL, binding the int64_t arguments to its parameters in order, and
 * read one integer into *OUT (DFLT when there is no row or it is NULL).
 * Returns 0 or -1 (logged).
 */
int store_query_int(struct store *s, int64_t *out, int64_t dflt,
    const char *sql, ...);

/*
 * store_insert_event(s, kind, detail_json, wall_ms, mono_ms):
 * Add an event row inside the caller's transaction, or on its own.
 * Returns 0 or -1 (logged).
 */
int store_insert_event(struct store *s, const char *kind,
    const char *detail_json, int64_t wall_ms, int64_t mono_ms);

#endif
