/*
 * store_helpers: what the store's tests share (test_store, test_recovery,
 * test_upload): a fixture with a new store in a scratch folder, making a
 * file look as after a reboot, spoiling an index, counting events.
 * Header-only, like helpers.h.
 */
#ifndef KIOSK_TEST_STORE_HELPERS_H
#define KIOSK_TEST_STORE_HELPERS_H

#include "helpers.h"

#include <sqlite3.h>

#include "store.h"

struct fixture {
	char *dir;
	char *path;
	struct store *s;
	int64_t t0;
};

/* A new store in a scratch folder; "now" 2026-11-22 09:00. */
static inline int
store_setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));

	f->dir = scratch_new();
	f->path = scratch_path(f->dir, "visits.db");
	f->s = store_open(f->path);
	assert_non_null(f->s);
	f->t0 = at("2026-11-22T09:00:00");
	*state = f;
	return 0;
}

static inline int
store_teardown(void **state)
{
	struct fixture *f = *state;

	store_close(f->s);
	free(f->path);
	scratch_free(f->dir);
	free(f);
	return 0;
}

/* As after a reboot: the store's pages are checked once a boot. Also
 * checkpoints the WAL into the file. */
static inline void
forget_check(const char *path)
{
	sqlite3 *db;

	assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
	assert_int_equal(sqlite3_exec(db, "DELETE FROM meta WHERE key = "
	    "'checked_boot'; PRAGMA wal_checkpoint(TRUNCATE)", NULL, NULL,
	    NULL), SQLITE_OK);
	sqlite3_close(db);
}

/* After a reboot, scribble over the root page of PATH's index NAME:
 * quick_check fails, every table row stays readable. */
static inline void
spoil_index(const char *path, const char *name)
{
	sqlite3 *db;
	sqlite3_stmt *q;
	int64_t root, page;
	FILE *fp;
	int i;

	forget_check(path);
	assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
	assert_int_equal(sqlite3_prepare_v2(db, "SELECT rootpage, (SELECT "
	    "page_size FROM pragma_page_size) FROM sqlite_master WHERE name = "
	    "?1", -1, &q, NULL), SQLITE_OK);
	sqlite3_bind_text(q, 1, name, -1, SQLITE_STATIC);
	assert_int_equal(sqlite3_step(q), SQLITE_ROW);
	root = sqlite3_column_int64(q, 0);
	page = sqlite3_column_int64(q, 1);
	sqlite3_finalize(q);
	sqlite3_close(db);
	fp = fopen(path, "r+b");
	assert_non_null(fp);
	fseek(fp, (long)((root - 1) * page), SEEK_SET);
	for (i = 0; i < page; i++)
		fputc(i * 13 & 0xff, fp);
	fclose(fp);
}

/* store_foreach_event's callback: count them into *(int *)CTX. */
static inline int
count_event(void *ctx, int64_t wall_ms, const char *detail)
{
	(void)wall_ms;
	(void)detail;
	(*(int *)ctx)++;
	return 0;
}

#endif
