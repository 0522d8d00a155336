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

/* A store's files, the main file last: a crash part-way through a move
 * leaves a side file under the new name with its main file still under
 * the old one, which finish_moves() completes. Moving the main file
 * first instead would leave the old -wal under the live name, where the
 * next store to be made there would take (and delete) it. */
static const char *const store_files[] = { "-wal", "-shm", "" };

/* Suffixes of a moved file that was salvaged (read in full, or not). */
#define DONE_FULL ".salvaged"
#define DONE_PART ".unreadable"

static int
has_suffix(const char *s, const char *sfx)
{
	size_t n = strlen(s), k = strlen(sfx);

	return n >= k && strcmp(s + n - k, sfx) == 0;
}

/* Is NAME a moved file that salvage is done with? */
static int
is_done(const char *name)
{
	return has_suffix(name, DONE_FULL) || has_suffix(name, DONE_PART);
}

/* fsync the folder DIRFD: the renames in it are on the disk. */
static void
sync_dir(int dirfd, const char *path)
{
	if (dirfd >= 0 && fsync(dirfd) != 0)
		log_warn("store '%s': cannot sync its folder: %s", path,
		    strerror(errno));
}

/* Rename FROM's files (main, -wal, -shm) to TO's, the main file last;
 * a file that is not there is skipped. 0, or -1 (logged). */
static int
move_files(const char *from, const char *to)
{
	char f[4096], t[4096];
	size_t i;
	int r;

	for (i = 0; i < 3; i++) {
		r = snprintf(f, sizeof(f), "%s%s", from, store_files[i]);
		if (r < 0 || (size_t)r >= sizeof(f))
			return -1;
		r = snprintf(t, sizeof(t), "%s%s", to, store_files[i]);
		if (r < 0 || (size_t)r >= sizeof(t))
			return -1;
		if (rename(f, t) != 0 && errno != ENOENT) {
			log_error("cannot move '%s' to '%s': %s", f, t,
			    strerror(errno));
			return -1;
		}
	}
	return 0;
}

/* Is NAME, or a file that would be made from it, there already? */
static int
name_taken(const char *name)
{
	static const char *const sfx[] = { "", "-wal", "-shm", DONE_FULL,
	    DONE_PART };
	char f[4096 + 16];
	struct stat st;
	size_t i;

	for (i = 0; i < sizeof(sfx) / sizeof(sfx[0]); i++)
		if ((size_t)snprintf(f, sizeof(f), "%s%s", name, sfx[i]) >=
		    sizeof(f) || lstat(f, &st) == 0)
			return 1;
	return 0;
}

char *
store_move_aside(const char *path, int dirfd)
{
	char stamp[32], to[4096], *kept;
	time_t now = time(NULL);
	struct tm tm;
	int r, n;

	localtime_r(&now, &tm);
	strftime(stamp, sizeof(stamp), "%Y%m%d-%H%M%S", &tm);
	/* A name no earlier move took (two in one second by one process
	 * must not overwrite the first). */
	for (n = 0; n < 1000; n++) {
		r = n == 0 ? snprintf(to, sizeof(to), "%s.corrupt-%s-%ld", path,
		    stamp, (long)getpid()) : snprintf(to, sizeof(to),
		    "%s.corrupt-%s-%ld-%d", path, stamp, (long)getpid(), n);
		if (r < 0 || (size_t)r >= sizeof(to)) {
			log_error("store '%s': path too long", path);
			return NULL;
		}
		if (!name_taken(to))
			break;
	}
	if (n == 1000) {
		log_error("store '%s': no free name to move it aside", path);
		return NULL;
	}
	kept = strdup(to);
	if (kept == NULL || move_files(path, to) != 0) {
		free(kept);
		return NULL;
	}
	sync_dir(dirfd, path);
	return kept;
}

/* The folder of PATH and the prefix of its moved files' names. */
static int
moved_prefix(const char *path, char *dir, size_t dsize, char *base,
    size_t bsize)
{
	const char *slash = strrchr(path, '/');
	int r;

	if (fileio_dirname(path, dir, dsize) != 0)
		return -1;
	r = snprintf(base, bsize, "%s.corrupt-", slash ? slash + 1 : path);
	return r < 0 || (size_t)r >= bsize ? -1 : 0;
}

void
store_finish_moves(const char *path, int dirfd)
{
	char dir[4096], base[1024], main[4096 + 1024], src[4096 + 1024];
	struct dirent *de;
	struct stat st;
	size_t blen, n;
	int moved = 0;
	DIR *d;

	if (moved_prefix(path, dir, sizeof(dir), base, sizeof(base)) != 0 ||
	    (d = opendir(dir)) == NULL)
		return;
	blen = strlen(base);
	while ((de = readdir(d)) != NULL) {
		n = strlen(de->d_name);
		if (strncmp(de->d_name, base, blen) != 0 || n < 4 ||
		    (!has_suffix(de->d_name, "-wal") &&
		    !has_suffix(de->d_name, "-shm")))
			continue;
		/* The side file's main file, as the move would name it. */
		if ((size_t)snprintf(main, sizeof(main), "%s/%.*s", dir,
		    (int)(n - 4), de->d_name) >= sizeof(main) ||
		    stat(main, &st) == 0)
			continue;
		/* Where it still is: a moved file being marked done, or the
		 * live store being moved aside. */
		if (is_done(main))
			snprintf(src, sizeof(src), "%.*s", (int)(strlen(main) -
			    (has_suffix(main, DONE_FULL) ? strlen(DONE_FULL) :
			    strlen(DONE_PART))), main);
		else
			snprintf(src, sizeof(src), "%s", path);
		if (stat(src, &st) != 0)
			continue;
		log_warn("store '%s': a move of '%s' to '%s' was cut short "
		    "(a crash?): finishing it", path, src, main);
		if (move_files(src, main) == 0)
			moved = 1;
	}
	closedir(d);
	if (moved)
		sync_dir(dirfd, path);
}

int
store_count_moved(const struct store *s, int64_t *moved,
    int64_t *unreadable)
{
	char dir[4096], base[1024];
	struct dirent *de;
	size_t blen;
	DIR *d;

	*moved = *unreadable = 0;
	if (moved_prefix(s->path, dir, sizeof(dir), base, sizeof(base)) != 0)
		return -1;
	d = opendir(dir);
	if (d == NULL) {
		log_error("store '%s': cannot read its folder: %s", s->path,
		    strerror(errno));
		return -1;
	}
	blen = strlen(base);
	while ((de = readdir(d)) != NULL) {
		if (strncmp(de->d_name, base, blen) != 0 ||
		    has_suffix(de->d_name, "-wal") ||
		    has_suffix(de->d_name, "-shm"))
			continue;
		(*moved)++;
		/* Not read in full, or not salvaged at all (yet). */
		if (!has_suffix(de->d_name, DONE_FULL))
			(*unreadable)++;
	}
	closedir(d);
	return 0;
}


/* ---- salvage ---- */

static int64_t wal_size(const char *file);

/* The columns salvage copies, in the order both statements use. */
#define SALVAGE_COLS 14

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
		for (i = 0; i < SALVAGE_COLS; i++) {
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
		sqlite3_bind_text(sv->put, SALVAGE_COLS + 1, sv->s->instance, -1,
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

/* Note in S, inside the caller's transaction, that FILE (known as KEY,
 * its name before it was marked done) was salvaged. */
static int
note_salvage(struct store *s, const char *key, const char *file,
    const struct salvage *sv)
{
	struct stat fst;
	sqlite3_stmt *n;
	int r;

	if (stat(file, &fst) != 0) {
		log_error("store '%s': '%s': %s", s->path, file,
		    strerror(errno));
		return -1;
	}
	n = store_prepare(s, "INSERT INTO salvage(file, size, mtime, "
	    "salvaged, unreadable, at_ms) VALUES (?1, ?2, ?3, ?4, ?5, ?6) ON "
	    "CONFLICT (file) DO UPDATE SET size = excluded.size, mtime = "
	    "excluded.mtime, salvaged = salvage.salvaged + excluded.salvaged, "
	    "unreadable = excluded.unreadable, at_ms = excluded.at_ms");
	if (n == NULL)
		return -1;
	sqlite3_bind_text(n, 1, key, -1, SQLITE_STATIC);
	sqlite3_bind_int64(n, 2, (int64_t)fst.st_size + wal_size(file));
	sqlite3_bind_int64(n, 3, (int64_t)fst.st_mtime);
	sqlite3_bind_int64(n, 4, sv->salvaged);
	sqlite3_bind_int64(n, 5, sv->unreadable);
	sqlite3_bind_int64(n, 6, ktime_wall_ms());
	r = sqlite3_step(n);
	sqlite3_finalize(n);
	if (r != SQLITE_DONE) {
		store_sql_error(s, "salvage record");
		return -1;
	}
	return 0;
}

/*
 * Salvage the corrupt file FILE (KEY: its name before it was marked done)
 * into S: its visits not yet uploaded and the note of it, in one
 * transaction. Returns 0 when it was read in full, 1 when part (or all)
 * of it could not be, -1 when nothing was done (our error, or the file
 * cannot be opened now: try again later).
 */
static int
salvage_file(struct store *s, const char *key, const char *file)
{
	struct salvage sv;
	int64_t from, top;
	int rc = -1, r;

	memset(&sv, 0, sizeof(sv));
	sv.s = s;
	if (sqlite3_open_v2(file, &sv.old, SQLITE_OPEN_READONLY, NULL) !=
	    SQLITE_OK) {
		log_warn("store '%s': cannot open '%s' to salvage it: %s",
		    s->path, file, sv.old ? sqlite3_errmsg(sv.old) : "no memory");
		goto out;
	}
	/* How far seqs went: the sequence table, or the largest readable;
	 * when neither can be read, how much was lost cannot be said. */
	top = largest_seq(sv.old);
	if (top < 0) {
		log_warn("store '%s': '%s' does not say how many visits it held",
		    s->path, file);
		sv.unreadable = 1;
	}
	/* The same columns in both, whatever the old schema's version. */
	if (top >= 0 && sqlite3_prepare_v2(sv.old, "SELECT coalesce("
	    "origin_instance, instance_id), coalesce(origin_seq, seq), kind, "
	    "subject, sealed, direction, wall_ms, boot_id, mono_ms, source, "
	    "clock, recorded_ms, quarantined_ms, quarantine_reason FROM visits "
	    "WHERE seq >= ?1 AND seq < ?2 AND uploaded_ms IS NULL ORDER BY seq",
	    -1, &sv.get, NULL) != SQLITE_OK &&
	    sqlite3_prepare_v2(sv.old, "SELECT instance_id, seq, kind, "
	    "subject, sealed, direction, wall_ms, boot_id, mono_ms, source, 0, "
	    "NULL, NULL, NULL FROM visits WHERE seq >= ?1 AND seq < ?2 AND "
	    "uploaded_ms IS NULL ORDER BY seq", -1, &sv.get, NULL) != SQLITE_OK) {
		log_warn("store '%s': '%s' has no readable visits table: %s",
		    s->path, file, sqlite3_errmsg(sv.old));
		sv.unreadable = 1;
	}
	sv.put = store_prepare(s, "INSERT OR IGNORE INTO visits("
	    "origin_instance, origin_seq, kind, subject, sealed, direction, "
	    "wall_ms, boot_id, mono_ms, source, clock, recorded_ms, "
	    "quarantined_ms, quarantine_reason, instance_id) VALUES (?1, ?2, "
	    "?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15)");
	if (sv.put == NULL)
		goto out;
	if (store_exec(s, "BEGIN IMMEDIATE") != 0)
		goto out;
	for (from = 1; sv.get != NULL && from <= top; from += SALVAGE_WINDOW) {
		r = salvage_window(&sv, from);
		if (r < 0)
			goto rollback;
		sv.unreadable += r;
	}
	/* The visits and the note of where they came from commit together:
	 * durable (synchronous=FULL) before the file is marked done. */
	if (note_salvage(s, key, file, &sv) != 0)
		goto rollback;
	if (store_exec(s, "COMMIT") != 0)
		goto rollback;
	if (sv.salvaged > 0 || sv.unreadable > 0)
		log_warn("store '%s': %lld visits not yet uploaded salvaged "
		    "from '%s'%s", s->path, (long long)sv.salvaged, file,
		    sv.unreadable ? "; part of it could not be read: visits "
		    "in it that were not uploaded may be lost" : "");
	rc = sv.unreadable ? 1 : 0;
	goto out;
rollback:
	(void)store_exec(s, "ROLLBACK");
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

/*
 * What S noted of the file KEY, now at FILE: -1 nothing (or it cannot be
 * said), 0 salvaged in full as it is now, 1 salvaged in part as it is
 * now, 2 salvaged, but it grew since (a process wrote into it before it
 * saw it moved).
 */
static int
salvage_noted(struct store *s, const char *key, const char *file)
{
	struct stat st;
	sqlite3_stmt *q;
	int r = -1;

	if (stat(file, &st) != 0)
		return -1;
	q = store_prepare(s, "SELECT size = ?2 AND mtime = ?3, unreadable > 0 "
	    "FROM salvage WHERE file = ?1");
	if (q == NULL)
		return -1;
	sqlite3_bind_text(q, 1, key, -1, SQLITE_STATIC);
	sqlite3_bind_int64(q, 2, (int64_t)st.st_size + wal_size(file));
	sqlite3_bind_int64(q, 3, (int64_t)st.st_mtime);
	if (sqlite3_step(q) == SQLITE_ROW)
		r = sqlite3_column_int(q, 0) == 0 ? 2 :
		    sqlite3_column_int(q, 1) ? 1 : 0;
	sqlite3_finalize(q);
	return r;
}

/* FILE is salvaged (in full, or not: PART): give it its done name. */
static void
mark_done(struct store *s, const char *file, int part, int dirfd)
{
	char to[4096 + 1024 + 16];
	struct stat st;

	if ((size_t)snprintf(to, sizeof(to), "%s%s", file, part ? DONE_PART :
	    DONE_FULL) >= sizeof(to))
		return;
	if (lstat(to, &st) == 0) {
		log_warn("store '%s': '%s' is there already: '%s' keeps its "
		    "name", s->path, to, file);
		return;
	}
	if (move_files(file, to) == 0) {
		sync_dir(dirfd, s->path);
		log_info("store '%s': '%s' salvaged: now '%s'", s->path, file,
		    to);
		/* store_recovered_from() names the file as it is now. */
		if (s->recovered_from != NULL &&
		    strcmp(s->recovered_from, file) == 0) {
			char *now = strdup(to);

			if (now != NULL) {
				free(s->recovered_from);
				s->recovered_from = now;
			}
		}
	}
}

int
store_salvage(struct store *s, int dirfd)
{
	char dir[4096], base[1024], file[4096 + 1024], key[4096 + 1024];
	struct dirent *de;
	size_t blen;
	DIR *d;
	int rc = 0, done, noted, r;

	if (moved_prefix(s->path, dir, sizeof(dir), base, sizeof(base)) != 0)
		return -1;
	blen = strlen(base);
	d = opendir(dir);
	if (d == NULL)
		return 0;
	while ((de = readdir(d)) != NULL) {
		if (strncmp(de->d_name, base, blen) != 0 ||
		    has_suffix(de->d_name, "-wal") ||
		    has_suffix(de->d_name, "-shm"))
			continue;
		done = is_done(de->d_name);
		if ((size_t)snprintf(file, sizeof(file), "%s/%s", dir,
		    de->d_name) >= sizeof(file))
			continue;
		snprintf(key, sizeof(key), "%s", file);
		if (done)
			key[strlen(key) - (has_suffix(key, DONE_FULL) ?
			    strlen(DONE_FULL) : strlen(DONE_PART))] = '\0';
		noted = salvage_noted(s, key, file);
		/* Salvaged into an earlier store (which uploaded them, or
		 * carried them over when it went bad in turn), or into this
		 * one as it is now: done with. */
		if (done && noted != 2)
			continue;
		if (!done && (noted == 0 || noted == 1)) {
			/* Salvaged, but the rename was cut short. */
			mark_done(s, file, noted, dirfd);
			continue;
		}
		r = salvage_file(s, key, file);
		if (r < 0) {
			rc = -1;
			continue;
		}
		if (r > 0)
			rc = -1;
		if (!done)
			mark_done(s, file, r, dirfd);
	}
	closedir(d);
	return rc;
}
