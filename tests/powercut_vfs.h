/*
 * powercut_vfs: a test SQLite VFS, a shim over the default unix VFS, that
 * can cut the power. It records, for every file, what each write since
 * that file's last sync overwrote; a power cut then drops those writes or
 * tears them (some 512-byte sectors reach the disk, others not), and cuts
 * a file back towards the size it had at its last sync, as a disk with a
 * volatile cache would. It can also make fsync fail or the disk fill up.
 * Only for tests (tests/test_powercut.c).
 */
#ifndef KIOSK_POWERCUT_VFS_H
#define KIOSK_POWERCUT_VFS_H

#include <stdint.h>

/*
 * pcvfs_register(seed): register the shim as SQLite's default VFS, with
 * SEED for its choices. Returns 0, or -1.
 */
int pcvfs_register(uint64_t seed);

/*
 * pcvfs_default(on): make the shim SQLite's default VFS (ON) or the
 * unix VFS again, for what must not lose power (the collector).
 */
void pcvfs_default(int on);

/*
 * pcvfs_cut(): the power goes: from now on every write and sync on any
 * file is dropped (the handles still open may be closed safely), and the
 * unsynced writes are undone, wholly or torn. pcvfs_restore() turns the
 * power back on. Returns how many unsynced writes were undone.
 */
int64_t pcvfs_cut(void);
void pcvfs_restore(void);

/*
 * pcvfs_arm(calls): the power goes by itself at the CALLS'th write or
 * sync from now (in the middle of whatever SQLite was doing), and
 * pcvfs_went() turns 1. 0 disarms.
 */
void pcvfs_arm(int64_t calls);
int pcvfs_went(void);

/* Faults, each a chance in a thousand per call (0 for none). */
void pcvfs_faults(int fsync_fail_permille, int enospc_permille);

/* Counts since registration: syncs failed, writes refused (disk full). */
void pcvfs_counts(int64_t *fsync_failed, int64_t *enospc);

#endif
