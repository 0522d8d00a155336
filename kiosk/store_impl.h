/*
 * store_impl: what the store's files (store.c, store_query.c) share: the
 * handle and the SQLite helpers that log a failure once with SQLite's
 * message. Not for other modules (store.h is).
 */
#ifndef KIOSK_STORE_IMPL_H
#define KIOSK_STORE_IMPL_H

#include <sys/types.h>

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
	sqlite3_stmt *st_instance;
	/* The file this handle has open, to see it moved aside. */
	dev_t dev;
	ino_t ino;
	/* SQLite said the file is corrupt since the last store_enter. */
	int corrupt;
	/* Opened without the boot's check (store_open_unchecked). */
	int check_deferred;
	int must_exist;			/* store_open_existing: never make one
					 * (cleared once opened: a store moved
					 * aside later is remade) */
	/* The collector's high-water mark (store_rollback_guard). */
	char acked_instance[STORE_INSTANCE_LEN + 1];
	int64_t acked_seq;
};

/* The identity a visit is sent under, as SQL over a visits row: its
 * own, its origin's when salvaged, this store's seq once reinstanced. */
#define STORE_WIRE_INSTANCE "(CASE WHEN origin_instance IS NOT NULL AND " \
	"reinstanced_ms IS NULL THEN origin_instance ELSE instance_id END)"
#define STORE_WIRE_SEQ "(CASE WHEN origin_instance IS NOT NULL AND " \
	"reinstanced_ms IS NULL THEN origin_seq ELSE seq END)"

/* store_sql_error(s, what): log SQLite's message for WHAT (and note a
 * corrupt file for store_again). */
void store_sql_error(struct store *s, const char *what);

/* store_exec(s, sql): run SQL (no rows); 0 or -1 (logged). */
int store_exec(struct store *s, const char *sql);

/* store_prepare(s, sql): a statement (caller finalises), or NULL (logged). */
sqlite3_stmt *store_prepare(struct store *s, const char *sql);

/*
 * store_query_int(s, out, dflt, sql, ...):
 * Run SQL, binding the int64_t arguments to its parameters in order, and
 * read one integer into *OUT (DFLT when there is no row or it is NULL;
 * an UPDATE has none).
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

/* ---- recovery (store_recover.c) ---- */

/*
 * store_lock_dir(path): lock PATH's folder against other openers
 * (flock), waiting for them. Returns the lock's descriptor, or -1
 * (logged). store_unlock_dir(fd): let go; -1 does nothing.
 */
int store_lock_dir(const char *path);
void store_unlock_dir(int fd);

/*
 * store_check_db(db, full): integrity_check (FULL) or quick_check.
 * Returns 0 sound, 1 corrupt (logged), -1 on another error.
 */
int store_check_db(sqlite3 *db, int full);

/*
 * store_move_aside(path, dirfd): rename PATH's -wal, -shm and then PATH
 * itself to PATH.corrupt-<time>-<pid>, and fsync the folder DIRFD (the
 * lock's descriptor). The new name (caller frees), or NULL (logged).
 */
char *store_move_aside(const char *path, int dirfd);

/*
 * store_finish_moves(path, dirfd): complete a move of PATH aside (or of a
 * moved file to its done name) that a crash cut short: a side file under
 * the new name whose main file is still under the old one. Under the
 * folder's lock, before PATH is opened.
 */
void store_finish_moves(const char *path, int dirfd);

/*
 * store_salvage(s, dirfd): copy, into S, the not-yet-uploaded visits that
 * the corrupt files next to it still hold (what SQLite can read), keeping
 * the identity each was recorded under, with a note of each file in the
 * same transaction; then give each file its done name (".salvaged", or
 * ".unreadable" when part of it could not be read), so that no later
 * store salvages it again. A done file is salvaged again only by the
 * store that noted it, when it grew since. Returns 0, or -1 when some
 * could not be read in full (status reports them).
 */
int store_salvage(struct store *s, int dirfd);

/*
 * store_count_moved(s, moved, unreadable): how many files were moved
 * aside next to S's file, and of those how many are not salvaged in full
 * (an alert). Returns 0, or -1 (logged).
 */
int store_count_moved(const struct store *s, int64_t *moved,
    int64_t *unreadable);

/*
 * store_rollback_guard(s): at open, under the lock: when the collector's
 * high-water mark kept beside the store (store_mark_uploaded) is S's
 * instance and past the largest seq S ever gave, S lost commits or was
 * put back from a copy: it moves to a new instance id (logged, an
 * event), so that no number goes to a second visit. 0, or -1 (logged).
 */
int store_rollback_guard(struct store *s);

/* store_remember_file(s): note the file S has open (store_same_file). */
int store_remember_file(struct store *s);

/* store_same_file(s): 1 while S's path is still the file it opened. */
int store_same_file(const struct store *s);

/*
 * Every public store function runs as
 *
 *	do
 *		r = store_enter(s) == 0 ? op(...) : -1;
 *	while (r < 0 && store_again(s, &tries));
 *
 * store_enter(s): before an operation: follow the store when another
 * process moved it aside (open the new one), reopen it when an earlier
 * recovery could not, and forget an earlier corruption. 0, or -1 (logged).
 * store_again(s, tries): after an operation failed: when SQLite said the
 * file is corrupt (SQLITE_CORRUPT, SQLITE_NOTADB) and *TRIES is 0, do what
 * store_open does (check it, move it aside, make a new store, salvage)
 * and return 1: run the operation once more. Else 0.
 */
int store_enter(struct store *s);
int store_again(struct store *s, int *tries);

#endif
