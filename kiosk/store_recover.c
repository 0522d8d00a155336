/*
 * store_recover: a store that went bad is moved aside and what it still
 * holds is salvaged, by exactly one process (store_impl.h). Opening,
 * checking and moving happen under a lock on the store's folder; a
 * process that had the old file open notices it moved (store_same_file)
 * and opens the new one before it writes. Salvage copies the visits not
 * yet uploaded, as far as SQLite can read them, keeping the identity
 * (instance id and seq) they were recorded under, so the collector takes
 * each once whichever copy reaches it.
 */
#include "store.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <sqlite3.h>

#include "fileio.h"
#include "ktime.h"
#include "log.h"
#include "store_impl.h"

/* Salvage reads this many seqs at a time; a window SQLite cannot read
 * is counted as unreadable and skipped. */
#define SALVAGE_WINDOW 256

int
store_lock_dir(const char *path)
{
	char dir[4096];
	int fd;

	if (fileio_dirname(path, dir, sizeof(dir)) != 0) {
		log_error("store '%s': path too long", path);
		return -1;
	}
	fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0) {
		log_error("store '%s': cannot open its folder '%s': %s", path,
		    dir, strerror(errno));
		return -1;
	}
	while (flock(fd, LOCK_EX) != 0) {
		if (errno == EINTR)
			continue;
		log_error("store '%s': cannot lock '%s': %s", path, dir,
		    strerror(errno));
		close(fd);
		return -1;
	}
	return fd;
}

void
store_unlock_dir(int fd)
{
	if (fd >= 0)
		close(fd);	/* and with it the lock */
}

int
store_remember_file(struct store *s)
{
	struct stat st;

	if (stat(s->path, &st) != 0) {
		log_error("store '%s': %s", s->path, strerror(errno));
		return -1;
	}
	s->dev = st.st_dev;
	s->ino = st.st_ino;
	return 0;
}

int
store_same_file(const struct store *s)
{
	struct stat st;

	return stat(s->path, &st) == 0 && st.st_dev == s->dev &&
	    st.st_ino == s->ino;
}

static int
is_corruption(int rc)
{
	rc &= 0xff;
	return rc == SQLITE_CORRUPT || rc == SQLITE_NOTADB;
}

int
store_check_db(sqlite3 *db, int full)
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

char *
store_move_aside(const char *path)
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


/* ---- salvage ---- */

static int64_t wal_size(const char *file);

struct salvage {
	struct store *s;	/* into this store */
	sqlite3 *old;
	sqlite3_stmt *get, *put;
	int64_t salvaged, unreadable;
};

/* Copy the visits of one window [FROM, FROM + SALVAGE_WINDOW) not yet
 * uploaded. Returns 0, 1 when SQLite cannot read it, -1 on our error. */
static int
salvage_window(struct salvage *sv, int64_t from)
{
	int rc, i;

	sqlite3_bind_int64(sv->get, 1, from);
	sqlite3_bind_int64(sv->get, 2, from + SALVAGE_WINDOW);
	while ((rc = sqlite3_step(sv->get)) == SQLITE_ROW) {
		for (i = 0; i < 13; i++) {
			int type = sqlite3_column_type(sv->get, i);

			if (type == SQLITE_NULL)
				sqlite3_bind_null(sv->put, i + 1);
			else if (type == SQLITE_INTEGER)
				sqlite3_bind_int64(sv->put, i + 1,
				    sqlite3_column_int64(sv->get, i));
			else if (type == SQLITE_BLOB)
				sqlite3_bind_blob(sv->put, i + 1,
				    sqlite3_column_blob(sv->get, i),
				    sqlite3_column_bytes(sv->get, i),
				    SQLITE_TRANSIENT);
			else
				sqlite3_bind_text(sv->put, i + 1,
				    (const char *)sqlite3_column_text(sv->get,
				    i), -1, SQLITE_TRANSIENT);
		}
		sqlite3_bind_text(sv->put, 14, sv->s->instance, -1,
		    SQLITE_STATIC);
		rc = sqlite3_step(sv->put);
		sqlite3_reset(sv->put);
		if (rc != SQLITE_DONE) {
			store_sql_error(sv->s, "salvage");
			sqlite3_reset(sv->get);
			return -1;
		}
		sv->salvaged += sqlite3_changes(sv->s->db);
	}
	sqlite3_reset(sv->get);
	return rc == SQLITE_DONE ? 0 : 1;
}

/* The largest seq FILE's store gave out, or -1 when it cannot be read. */
static int64_t
largest_seq(sqlite3 *old)
{
	static const char *const q[] = {
		"SELECT seq FROM sqlite_sequence WHERE name = 'visits'",
		"SELECT max(seq) FROM visits"
	};
	sqlite3_stmt *st;
	int64_t top = -1;
	size_t i;

	for (i = 0; i < 2; i++) {
		if (sqlite3_prepare_v2(old, q[i], -1, &st, NULL) == SQLITE_OK &&
		    sqlite3_step(st) == SQLITE_ROW &&
		    sqlite3_column_int64(st, 0) > top)
			top = sqlite3_column_int64(st, 0);
		sqlite3_finalize(st);
	}
	return top;
}

/* Salvage the corrupt file FILE into S. */
static int
salvage_file(struct store *s, const char *file)
{
	struct salvage sv;
	int64_t from, top;
	int rc = -1, r;

	memset(&sv, 0, sizeof(sv));
	sv.s = s;
	if (sqlite3_open_v2(file, &sv.old, SQLITE_OPEN_READONLY, NULL) !=
	    SQLITE_OK) {
		log_warn("store '%s': cannot read '%s' to salvage it: %s",
		    s->path, file, sv.old ? sqlite3_errmsg(sv.old) : "no memory");
		sqlite3_close(sv.old);
		sv.unreadable = 1;
		goto note;
	}
	/* How far seqs went: the sequence table, or the largest readable;
	 * when neither can be read, how much was lost cannot be said. */
	top = largest_seq(sv.old);
	if (top < 0) {
		log_warn("store '%s': '%s' does not say how many visits it held",
		    s->path, file);
		sv.unreadable = 1;
		goto note;
	}
	/* The same columns in both, whatever the old schema's version. */
	if (sqlite3_prepare_v2(sv.old, "SELECT coalesce(origin_instance, "
	    "instance_id), coalesce(origin_seq, seq), kind, subject, sealed, "
	    "direction, wall_ms, boot_id, mono_ms, source, clock, recorded_ms, "
	    "quarantined_ms FROM visits WHERE seq >= ?1 AND seq < ?2 AND "
	    "uploaded_ms IS NULL ORDER BY seq", -1, &sv.get, NULL) != SQLITE_OK &&
	    sqlite3_prepare_v2(sv.old, "SELECT instance_id, seq, kind, "
	    "subject, sealed, direction, wall_ms, boot_id, mono_ms, source, 0, "
	    "NULL, NULL FROM visits WHERE seq >= ?1 AND seq < ?2 AND "
	    "uploaded_ms IS NULL ORDER BY seq", -1, &sv.get, NULL) != SQLITE_OK) {
		log_warn("store '%s': '%s' has no readable visits table: %s",
		    s->path, file, sqlite3_errmsg(sv.old));
		sv.unreadable = 1;
		goto note;
	}
	sv.put = store_prepare(s, "INSERT OR IGNORE INTO visits("
	    "origin_instance, origin_seq, kind, subject, sealed, direction, "
	    "wall_ms, boot_id, mono_ms, source, clock, recorded_ms, "
	    "quarantined_ms, instance_id) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, "
	    "?8, ?9, ?10, ?11, ?12, ?13, ?14)");
	if (sv.put == NULL)
		goto out;
	if (store_exec(s, "BEGIN IMMEDIATE") != 0)
		goto out;
	for (from = 1; from <= top; from += SALVAGE_WINDOW) {
		r = salvage_window(&sv, from);
		if (r < 0) {
			(void)store_exec(s, "ROLLBACK");
			goto out;
		}
		sv.unreadable += r;
	}
	if (store_exec(s, "COMMIT") != 0)
		goto out;
note:
	{
		struct stat fst;
		sqlite3_stmt *n = store_prepare(s, "INSERT INTO salvage(file, "
		    "size, mtime, salvaged, unreadable, at_ms) VALUES (?1, ?2, "
		    "?3, ?4, ?5, ?6) ON CONFLICT (file) DO UPDATE SET size = "
		    "excluded.size, mtime = excluded.mtime, salvaged = "
		    "salvage.salvaged + excluded.salvaged, unreadable = "
		    "excluded.unreadable, at_ms = excluded.at_ms");

		if (n == NULL || stat(file, &fst) != 0) {
			sqlite3_finalize(n);
			goto out;
		}
		sqlite3_bind_text(n, 1, file, -1, SQLITE_STATIC);
		sqlite3_bind_int64(n, 2, (int64_t)fst.st_size +
		    wal_size(file));
		sqlite3_bind_int64(n, 3, (int64_t)fst.st_mtime);
		sqlite3_bind_int64(n, 4, sv.salvaged);
		sqlite3_bind_int64(n, 5, sv.unreadable);
		sqlite3_bind_int64(n, 6, ktime_wall_ms());
		r = sqlite3_step(n);
		sqlite3_finalize(n);
		if (r != SQLITE_DONE) {
			store_sql_error(s, "salvage record");
			goto out;
		}
	}
	if (sv.salvaged > 0 || sv.unreadable > 0)
		log_warn("store '%s': %lld visits not yet uploaded salvaged "
		    "from '%s'%s", s->path, (long long)sv.salvaged, file,
		    sv.unreadable ? "; part of it could not be read" : "");
	rc = sv.unreadable ? -1 : 0;
out:
	sqlite3_finalize(sv.put);
	sqlite3_finalize(sv.get);
	sqlite3_close(sv.old);
	return rc;
}

/* The size of FILE's -wal (0 when none): a salvaged file that grew. */
static int64_t
wal_size(const char *file)
{
	char wal[4096];
	struct stat st;

	if ((size_t)snprintf(wal, sizeof(wal), "%s-wal", file) >= sizeof(wal) ||
	    stat(wal, &st) != 0)
		return 0;
	return (int64_t)st.st_size;
}

/* Was FILE salvaged, as it is now? */
static int
salvaged_already(struct store *s, const char *file)
{
	struct stat st;
	sqlite3_stmt *q;
	int same = 0;

	if (stat(file, &st) != 0)
		return 1;
	q = store_prepare(s, "SELECT 1 FROM salvage WHERE file = ?1 AND size = "
	    "?2 AND mtime = ?3");
	if (q == NULL)
		return 0;
	sqlite3_bind_text(q, 1, file, -1, SQLITE_STATIC);
	sqlite3_bind_int64(q, 2, (int64_t)st.st_size + wal_size(file));
	sqlite3_bind_int64(q, 3, (int64_t)st.st_mtime);
	same = sqlite3_step(q) == SQLITE_ROW;
	sqlite3_finalize(q);
	return same;
}

int
store_salvage(struct store *s)
{
	char dir[4096], base[1024], file[4096 + 1024];
	struct dirent *de;
	size_t blen;
	DIR *d;
	int rc = 0;

	if (fileio_dirname(s->path, dir, sizeof(dir)) != 0)
		return -1;
	snprintf(base, sizeof(base), "%s.corrupt-", strrchr(s->path, '/') ?
	    strrchr(s->path, '/') + 1 : s->path);
	blen = strlen(base);
	d = opendir(dir);
	if (d == NULL)
		return 0;
	while ((de = readdir(d)) != NULL) {
		size_t n = strlen(de->d_name);

		if (strncmp(de->d_name, base, blen) != 0 ||
		    (n > 4 && (strcmp(de->d_name + n - 4, "-wal") == 0 ||
		    strcmp(de->d_name + n - 4, "-shm") == 0)))
			continue;
		if ((size_t)snprintf(file, sizeof(file), "%s/%s", dir,
		    de->d_name) >= sizeof(file) || salvaged_already(s, file))
			continue;
		if (salvage_file(s, file) != 0)
			rc = -1;
	}
	closedir(d);
	return rc;
}
