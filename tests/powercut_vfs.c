/*
 * powercut_vfs: a VFS shim that cuts the power. See powercut_vfs.h.
 *
 * Every write first saves what it overwrites (and the file's size), per
 * path, until that file's next successful sync. A cut undoes the saved
 * writes newest first, sector by sector at random (a torn write), then
 * maybe cuts the file back to its size at the last sync. While the power
 * is off, writes, syncs, truncations and deletions do nothing, so the
 * handles still open can be closed without touching the disk.
 */
#include "powercut_vfs.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sqlite3.h>

#define SECTOR 512

struct undo {
	struct undo *prev;
	int64_t off, len;	/* the write */
	int64_t old_size;	/* the file's size before it */
	unsigned char *old;	/* what it overwrote: min(len, old_size - off) */
	int64_t old_len;
};

struct tracked {
	struct tracked *next;
	char *path;
	struct undo *log;	/* newest first */
};

struct pfile {
	sqlite3_file base;
	struct tracked *t;	/* NULL: not tracked (a temp file) */
	sqlite3_file *real;	/* the unix VFS's file, after this struct */
};

static sqlite3_vfs *unix_vfs;
static sqlite3_vfs pc_vfs;
static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static struct tracked *files;
static int dead;
static uint64_t rng;
static int fsync_permille, enospc_permille;
static int64_t n_fsync_failed, n_enospc, armed;
static int went;
static int64_t n_undone;

static void cut_locked(void);

/* A write or sync is about to happen: is it the one the power goes at?
 * Called with the lock held. */
static int
goes_now(void)
{
	if (armed > 0 && --armed == 0) {
		cut_locked();
		return 1;
	}
	return 0;
}

/* xorshift64*: the shim's choices, from the test's seed. */
static uint64_t
rnd(void)
{
	rng ^= rng >> 12;
	rng ^= rng << 25;
	rng ^= rng >> 27;
	return rng * 2685821657736338717ULL;
}

static struct tracked *
track(const char *path)
{
	struct tracked *t;

	for (t = files; t != NULL; t = t->next)
		if (strcmp(t->path, path) == 0)
			return t;
	t = calloc(1, sizeof(*t));
	if (t == NULL || (t->path = strdup(path)) == NULL) {
		free(t);
		return NULL;
	}
	t->next = files;
	files = t;
	return t;
}

static void
forget(struct tracked *t)
{
	struct undo *u, *p;

	for (u = t->log; u != NULL; u = p) {
		p = u->prev;
		free(u->old);
		free(u);
	}
	t->log = NULL;
}

/* ---- the file methods ---- */

#define REAL(f) (((struct pfile *)(f))->real)

static int
pc_close(sqlite3_file *f)
{
	int rc = REAL(f)->pMethods ? REAL(f)->pMethods->xClose(REAL(f)) :
	    SQLITE_OK;

	return rc;
}

static int
pc_read(sqlite3_file *f, void *buf, int n, sqlite3_int64 off)
{
	return REAL(f)->pMethods->xRead(REAL(f), buf, n, off);
}

static int
pc_write(sqlite3_file *f, const void *buf, int n, sqlite3_int64 off)
{
	struct pfile *p = (struct pfile *)f;
	sqlite3_int64 size = 0;
	struct undo *u;
	int rc;

	pthread_mutex_lock(&lock);
	if (dead || goes_now()) {
		pthread_mutex_unlock(&lock);
		return SQLITE_OK;
	}
	if (enospc_permille > 0 && (int)(rnd() % 1000) < enospc_permille) {
		n_enospc++;
		pthread_mutex_unlock(&lock);
		return SQLITE_FULL;
	}
	if (p->t != NULL) {
		u = calloc(1, sizeof(*u));
		if (u == NULL || p->real->pMethods->xFileSize(p->real,
		    &size) != SQLITE_OK) {
			free(u);
			pthread_mutex_unlock(&lock);
			return SQLITE_IOERR_WRITE;
		}
		u->off = off;
		u->len = n;
		u->old_size = size;
		u->old_len = off < size ? (size - off < n ? size - off : n) : 0;
		if (u->old_len > 0) {
			u->old = malloc((size_t)u->old_len);
			if (u->old == NULL || p->real->pMethods->xRead(p->real,
			    u->old, (int)u->old_len, off) != SQLITE_OK) {
				free(u->old);
				free(u);
				pthread_mutex_unlock(&lock);
				return SQLITE_IOERR_WRITE;
			}
		}
		u->prev = p->t->log;
		p->t->log = u;
	}
	rc = p->real->pMethods->xWrite(p->real, buf, n, off);
	pthread_mutex_unlock(&lock);
	return rc;
}

static int
pc_truncate(sqlite3_file *f, sqlite3_int64 size)
{
	struct pfile *p = (struct pfile *)f;
	sqlite3_int64 cur = 0;
	struct undo *u;
	int rc;

	pthread_mutex_lock(&lock);
	if (dead) {
		pthread_mutex_unlock(&lock);
		return SQLITE_OK;
	}
	/* A truncation not yet synced is undone too: keep the tail. */
	if (p->t != NULL && p->real->pMethods->xFileSize(p->real, &cur) ==
	    SQLITE_OK && cur > size) {
		u = calloc(1, sizeof(*u));
		if (u != NULL && (u->old = malloc((size_t)(cur - size))) !=
		    NULL && p->real->pMethods->xRead(p->real, u->old,
		    (int)(cur - size), size) == SQLITE_OK) {
			u->off = size;
			u->len = 0;
			u->old_size = cur;
			u->old_len = cur - size;
			u->prev = p->t->log;
			p->t->log = u;
		} else if (u != NULL) {
			free(u->old);
			free(u);
		}
	}
	rc = p->real->pMethods->xTruncate(p->real, size);
	pthread_mutex_unlock(&lock);
	return rc;
}

static int
pc_sync(sqlite3_file *f, int flags)
{
	struct pfile *p = (struct pfile *)f;
	int rc;

	pthread_mutex_lock(&lock);
	if (dead || goes_now()) {
		pthread_mutex_unlock(&lock);
		return SQLITE_OK;
	}
	if (fsync_permille > 0 && (int)(rnd() % 1000) < fsync_permille) {
		/* A failing fsync: what was written may or may not be on
		 * the disk, so the undo log stays. */
		n_fsync_failed++;
		pthread_mutex_unlock(&lock);
		return SQLITE_IOERR_FSYNC;
	}
	rc = p->real->pMethods->xSync(p->real, flags);
	if (rc == SQLITE_OK && p->t != NULL)
		forget(p->t);
	pthread_mutex_unlock(&lock);
	return rc;
}

static int
pc_file_size(sqlite3_file *f, sqlite3_int64 *size)
{
	return REAL(f)->pMethods->xFileSize(REAL(f), size);
}

static int
pc_lock(sqlite3_file *f, int l)
{
	return REAL(f)->pMethods->xLock(REAL(f), l);
}

static int
pc_unlock(sqlite3_file *f, int l)
{
	return REAL(f)->pMethods->xUnlock(REAL(f), l);
}

static int
pc_check_lock(sqlite3_file *f, int *out)
{
	return REAL(f)->pMethods->xCheckReservedLock(REAL(f), out);
}

static int
pc_control(sqlite3_file *f, int op, void *arg)
{
	return REAL(f)->pMethods->xFileControl(REAL(f), op, arg);
}

static int
pc_sector(sqlite3_file *f)
{
	return REAL(f)->pMethods->xSectorSize(REAL(f));
}

static int
pc_caps(sqlite3_file *f)
{
	return REAL(f)->pMethods->xDeviceCharacteristics(REAL(f));
}

static int
pc_shm_map(sqlite3_file *f, int pg, int sz, int extend, void volatile **pp)
{
	return REAL(f)->pMethods->xShmMap(REAL(f), pg, sz, extend, pp);
}

static int
pc_shm_lock(sqlite3_file *f, int off, int n, int flags)
{
	return REAL(f)->pMethods->xShmLock(REAL(f), off, n, flags);
}

static void
pc_shm_barrier(sqlite3_file *f)
{
	REAL(f)->pMethods->xShmBarrier(REAL(f));
}

static int
pc_shm_unmap(sqlite3_file *f, int del)
{
	return REAL(f)->pMethods->xShmUnmap(REAL(f), dead ? 0 : del);
}

static const sqlite3_io_methods pc_methods = {
	2, pc_close, pc_read, pc_write, pc_truncate, pc_sync, pc_file_size,
	pc_lock, pc_unlock, pc_check_lock, pc_control, pc_sector, pc_caps,
	pc_shm_map, pc_shm_lock, pc_shm_barrier, pc_shm_unmap, NULL, NULL
};

/* ---- the VFS ---- */

static int
pc_open(sqlite3_vfs *vfs, const char *name, sqlite3_file *f, int flags,
    int *out_flags)
{
	struct pfile *p = (struct pfile *)f;
	int rc;

	(void)vfs;
	memset(p, 0, sizeof(*p));
	p->real = (sqlite3_file *)(p + 1);
	rc = unix_vfs->xOpen(unix_vfs, name, p->real, flags, out_flags);
	if (rc != SQLITE_OK)
		return rc;
	if (name != NULL) {
		pthread_mutex_lock(&lock);
		p->t = track(name);
		pthread_mutex_unlock(&lock);
	}
	f->pMethods = &pc_methods;
	return SQLITE_OK;
}

static int
pc_delete(sqlite3_vfs *vfs, const char *name, int sync_dir)
{
	struct tracked *t;

	(void)vfs;
	pthread_mutex_lock(&lock);
	if (dead) {
		pthread_mutex_unlock(&lock);
		return SQLITE_OK;
	}
	for (t = files; t != NULL; t = t->next)
		if (strcmp(t->path, name) == 0)
			forget(t);
	pthread_mutex_unlock(&lock);
	return unix_vfs->xDelete(unix_vfs, name, sync_dir);
}

static int
pc_access(sqlite3_vfs *vfs, const char *name, int flags, int *out)
{
	(void)vfs;
	return unix_vfs->xAccess(unix_vfs, name, flags, out);
}

static int
pc_full_path(sqlite3_vfs *vfs, const char *name, int n, char *out)
{
	(void)vfs;
	return unix_vfs->xFullPathname(unix_vfs, name, n, out);
}

static int
pc_random(sqlite3_vfs *vfs, int n, char *out)
{
	(void)vfs;
	return unix_vfs->xRandomness(unix_vfs, n, out);
}

static int
pc_sleep(sqlite3_vfs *vfs, int us)
{
	(void)vfs;
	return unix_vfs->xSleep(unix_vfs, us);
}

static int
pc_time(sqlite3_vfs *vfs, double *out)
{
	(void)vfs;
	return unix_vfs->xCurrentTime(unix_vfs, out);
}

static int
pc_error(sqlite3_vfs *vfs, int n, char *out)
{
	(void)vfs;
	return unix_vfs->xGetLastError(unix_vfs, n, out);
}

static int
pc_time64(sqlite3_vfs *vfs, sqlite3_int64 *out)
{
	(void)vfs;
	return unix_vfs->xCurrentTimeInt64(unix_vfs, out);
}

int
pcvfs_register(uint64_t seed)
{
	unix_vfs = sqlite3_vfs_find("unix");
	if (unix_vfs == NULL)
		return -1;
	rng = seed ? seed : 88172645463325252ULL;
	memset(&pc_vfs, 0, sizeof(pc_vfs));
	pc_vfs.iVersion = 2;
	pc_vfs.szOsFile = (int)sizeof(struct pfile) + unix_vfs->szOsFile;
	pc_vfs.mxPathname = unix_vfs->mxPathname;
	pc_vfs.zName = "powercut";
	pc_vfs.xOpen = pc_open;
	pc_vfs.xDelete = pc_delete;
	pc_vfs.xAccess = pc_access;
	pc_vfs.xFullPathname = pc_full_path;
	pc_vfs.xRandomness = pc_random;
	pc_vfs.xSleep = pc_sleep;
	pc_vfs.xCurrentTime = pc_time;
	pc_vfs.xGetLastError = pc_error;
	pc_vfs.xCurrentTimeInt64 = pc_time64;
	return sqlite3_vfs_register(&pc_vfs, 1) == SQLITE_OK ? 0 : -1;
}

/* Undo U on the file at PATH (open as FD): each sector of the write
 * either reached the disk or did not. */
static void
undo_one(int fd, const struct undo *u)
{
	int64_t s;

	for (s = u->off; s < u->off + (u->len ? u->len : u->old_len);
	    s += SECTOR) {
		int64_t end = s + SECTOR, a = s, b;

		if (end > u->off + (u->len ? u->len : u->old_len))
			end = u->off + (u->len ? u->len : u->old_len);
		if (rnd() % 4 == 0)
			continue;	/* this sector made it: torn */
		/* Put back what was there, where something was. */
		b = end < u->off + u->old_len ? end : u->off + u->old_len;
		if (b > a && pwrite(fd, u->old + (a - u->off), (size_t)(b - a),
		    a) < 0)
			abort();
	}
	/* A file that grew: cut back to its size then, or keep the new
	 * tail (a sector that made it). */
	if (rnd() % 2 == 0 && ftruncate(fd, u->old_size) != 0)
		abort();
}

static void
cut_locked(void)
{
	struct tracked *t;
	struct undo *u;
	int fd;

	dead = 1;
	went = 1;
	armed = 0;
	for (t = files; t != NULL; t = t->next) {
		if (t->log == NULL)
			continue;
		fd = open(t->path, O_RDWR | O_CLOEXEC);
		if (fd >= 0) {
			for (u = t->log; u != NULL; u = u->prev, n_undone++)
				undo_one(fd, u);
			close(fd);
		}
		forget(t);
	}
}

void
pcvfs_default(int on)
{
	sqlite3_vfs_register(on ? &pc_vfs : unix_vfs, 1);
}

int64_t
pcvfs_cut(void)
{
	int64_t n;

	pthread_mutex_lock(&lock);
	if (!dead)
		cut_locked();
	n = n_undone;
	n_undone = 0;
	pthread_mutex_unlock(&lock);
	return n;
}

void
pcvfs_arm(int64_t calls)
{
	pthread_mutex_lock(&lock);
	armed = calls;
	went = 0;
	pthread_mutex_unlock(&lock);
}

int
pcvfs_went(void)
{
	int w;

	pthread_mutex_lock(&lock);
	w = went;
	pthread_mutex_unlock(&lock);
	return w;
}

void
pcvfs_restore(void)
{
	pthread_mutex_lock(&lock);
	dead = 0;
	pthread_mutex_unlock(&lock);
}

void
pcvfs_faults(int fsync_fail, int enospc)
{
	pthread_mutex_lock(&lock);
	fsync_permille = fsync_fail;
	enospc_permille = enospc;
	pthread_mutex_unlock(&lock);
}

void
pcvfs_counts(int64_t *fsync_failed, int64_t *enospc)
{
	pthread_mutex_lock(&lock);
	*fsync_failed = n_fsync_failed;
	*enospc = n_enospc;
	pthread_mutex_unlock(&lock);
}
