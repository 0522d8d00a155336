/*
 * store: the kiosk's visit store, one SQLite file (DESIGN.md section 5).
 *
 * WAL journal with synchronous=FULL: when store_checkin() returns, the
 * visit is on disk and survives a power cut. Each visit has a seq that is
 * never reused (AUTOINCREMENT) and the store's instance id, a random id
 * made when the file is created, so a re-imaged kiosk or a store rebuilt
 * after corruption never collides with its old records at the collector.
 *
 * The store keeps subject ids in clear (the tracing key) and personal
 * fields only as sealed blobs it cannot open. It never sees a refused
 * scan's text: rejects are counted per day and reason.
 *
 * Several processes may open one store (the kiosk, kioskctl, kiosk-sync);
 * writers wait for each other up to a busy timeout.
 */
#ifndef KIOSK_STORE_H
#define KIOSK_STORE_H

#include <stddef.h>
#include <stdint.h>

#include "clock.h"

struct store;

#define STORE_SCHEMA_VERSION 5
#define STORE_INSTANCE_LEN 32	/* hex characters */
#define STORE_BOOT_ID_LEN 36
/* The boot id of a visit whose time the caller gave (kioskctl checkin
 * --at): no boot has it, so the visit is never compared on a boot clock
 * nor re-dated from one; its mono_ms is 0. */
#define STORE_BOOT_GIVEN "time-given"

enum store_dir { STORE_IN, STORE_OUT };
enum store_rescan { STORE_RESCAN_DUPLICATE, STORE_RESCAN_CHECKOUT };
enum store_outcome { STORE_ACCEPTED, STORE_DUPLICATE };

/* The longest an open check-in may be closed by a check-out scan. */
#define STORE_CHECKOUT_MAX_MS (12LL * 3600 * 1000)
/* Re-reads of one code closer than this are one scan, in any mode. */
#define STORE_DEBOUNCE_MS (10LL * 1000)

/*
 * store_open(path):
 * Open the store at PATH, creating it if missing, and bring its schema up
 * to date. Once a boot (the first open of the boot; fully when the kiosk
 * before did not stop cleanly, see store_running) its pages are checked;
 * a file that fails SQLite's check (or is not a database, or is empty) is
 * renamed to PATH.corrupt-<time>-<pid> (with its -wal and -shm files),
 * logged, and a new store with a new instance id is made in its place,
 * into which what can be read of it is salvaged (docs/store.md). Returns
 * the store (close with store_close), or NULL with a logged reason.
 * store_open_unchecked(path): the same, leaving the boot's check to
 * store_check_boot (the kiosk runs it off the screen's thread, so it
 * starts at once at any size).
 *
 * Every function below follows the store when another process moved it
 * aside (it opens the new one first), and when SQLite finds the file
 * corrupt while in use, recovers as store_open does and runs once more.
 */
struct store *store_open(const char *path);
struct store *store_open_unchecked(const char *path);
/* store_open_existing(path): the same for a store that must be there
 * already (a command a person typed): none is made; NULL (logged). */
struct store *store_open_existing(const char *path);

/*
 * store_check_boot(s): the boot's check of the file's pages if it is still
 * due (see store_open), recovering as store_open does when it fails.
 * Returns 0 (sound, or not due), 1 (it was not: recovered), -1 (error).
 * store_running(s, on): mark that the kiosk is running (ON) or stopped
 * cleanly (0); a mark left by a crash or power cut makes the next boot's
 * check a full one. Returns 0 or -1.
 */
int store_check_boot(struct store *s);
int store_running(struct store *s, int on);

/* store_close(s): close S; NULL does nothing. */
void store_close(struct store *s);

/* store_instance_id(s): the instance id, valid while S is open. */
const char *store_instance_id(const struct store *s);

/*
 * store_recovered_from(s):
 * The path the corrupt file was moved to when this handle had to rebuild
 * the store (as it is named once salvaged: PATH.corrupt-<time>-<pid>
 * .salvaged, or .unreadable when part of it could not be read), or NULL.
 */
const char *store_recovered_from(const struct store *s);

struct store_checkin_req {
	const char *kind;		/* "cccd", "phone", ... */
	const char *subject;		/* subject id */
	const unsigned char *sealed;	/* sealed personal fields, or NULL */
	size_t sealed_len;
	const char *source;		/* camera, scanner, keypad, phone */
	int64_t wall_ms;
	int64_t mono_ms;
	const char *boot_id;
	int64_t window_ms;		/* re-scan window */
	enum store_rescan rescan;
	int clock_untrusted;		/* WALL_MS may be wrong (clock.h): the
					 * visit is re-dated once it can be */
	int time_given;			/* WALL_MS is the caller's own (kioskctl
					 * checkin --at), not the clock's: the
					 * visit is stored with the boot id
					 * STORE_BOOT_GIVEN, MONO_MS 0 */
};

struct store_checkin_res {
	enum store_outcome outcome;
	int64_t seq;		/* the new visit's seq, or the earlier one's */
	enum store_dir dir;	/* direction recorded (or of the earlier one) */
	int64_t previous_ms;	/* wall time of the subject's last record, or 0 */
};

/*
 * store_checkin(s, req, res):
 * Record a scan of REQ->subject in one transaction: if the subject's last
 * record falls within the re-scan window, nothing is written and the
 * outcome is STORE_DUPLICATE; in check-out mode an open check-in is closed
 * by a check-out instead (see docs/store.md). Returns 0 once the record is
 * durable (or the duplicate decided), or -1 with a logged reason; nothing
 * is half-written.
 */
int store_checkin(struct store *s, const struct store_checkin_req *req,
    struct store_checkin_res *res);

/*
 * store_event(s, kind, detail_json, wall_ms):
 * Record an event (start, stop, heartbeat, admin, inspection,
 * clock_jump, ...) with optional JSON DETAIL_JSON. Returns 0 or -1.
 */
int store_event(struct store *s, const char *kind, const char *detail_json,
    int64_t wall_ms);

/*
 * store_heartbeat(s, wall_ms, mono_ms):
 * Record a heartbeat. When the wall clock moved more than two minutes away
 * from the monotonic clock since the previous heartbeat of this boot, a
 * clock_jump event with the jump is recorded too. Returns 0 or -1.
 */
int store_heartbeat(struct store *s, int64_t wall_ms, int64_t mono_ms);

/*
 * store_count_reject(s, reason_code, wall_ms):
 * Count one refused scan under REASON_CODE for the local day of WALL_MS.
 * Returns 0 or -1.
 */
int store_count_reject(struct store *s, const char *reason_code,
    int64_t wall_ms);

struct store_status {
	int64_t visits_total;
	int64_t visits_today;		/* check-ins since local midnight */
	int64_t pending_upload;		/* visits not yet acknowledged */
	int64_t pending_overdue;	/* of those, older than retention */
	int64_t oldest_pending_ms;	/* 0 when none */
	int64_t last_upload_ms;		/* 0 when never */
	int64_t last_heartbeat_ms;	/* 0 when never */
	int64_t last_visit_ms;		/* 0 when none */
	int64_t rejects_today;
	int64_t rejects_total;
	int64_t events_total;
	int64_t seq_max;
	int64_t quarantined;		/* refused by the collector: an alert */
	int64_t untrusted;		/* not uploaded, recorded while the clock
					 * could not be trusted, not re-dated */
	int64_t moved;			/* files moved aside next to the store
					 * (corrupt, or empty) */
	int64_t unreadable;		/* of those, the ones not read in full
					 * (visits in them may be lost): an
					 * alert while they are there */
	int64_t salvaged;		/* visits this store salvaged */
	int64_t rolled_back;		/* times the store was found rolled back
					 * (store_rolled_back, instance_renewed
					 * events): it took a new instance id */
};

/*
 * store_status(s, now_ms, retention_days, out):
 * Fill *OUT with the store's counts as of NOW_MS. Returns 0 or -1.
 */
int store_status(struct store *s, int64_t now_ms, int retention_days,
    struct store_status *out);

/*
 * store_rejects(s, fn, ctx):
 * Call FN(CTX, reason_code, count) for each reason with its total count,
 * most frequent first. Returns 0 or -1.
 */
int store_rejects(struct store *s,
    void (*fn)(void *ctx, const char *reason, int64_t count), void *ctx);

struct store_visit {
	int64_t seq;
	const char *instance_id;
	const char *kind;
	const char *subject;
	const unsigned char *sealed;	/* NULL when the visit has none */
	size_t sealed_len;
	enum store_dir dir;
	int64_t wall_ms;
	const char *boot_id;
	int64_t mono_ms;
	const char *source;
	int64_t uploaded_ms;		/* 0 when not yet uploaded */
	int clock_untrusted;		/* WALL_MS is what an untrusted clock said */
	int64_t quarantined_ms;		/* 0 unless set aside */
	const char *quarantine_reason;	/* why, or NULL */
	/* Salvaged from a corrupt store: the identity it was recorded under;
	 * NULL and 0 otherwise. */
	const char *origin_instance;
	int64_t origin_seq;
	/* The identity it is sent under, (instance, seq) at the collector:
	 * its own, or its origin's when salvaged, or (after the collector
	 * found the store rolled back, store_new_instance) a new instance id
	 * with this store's seq. */
	const char *wire_instance;
	int64_t wire_seq;
};

enum store_which {
	STORE_ALL,		/* every visit */
	STORE_PENDING,		/* not uploaded and not set aside: the queue */
	STORE_UNSENT		/* not uploaded, set aside or not (USB export) */
};

/*
 * store_foreach_visit(s, from_ms, to_ms, which, fn, ctx):
 * Call FN(CTX, visit) for each visit of WHICH with FROM_MS <= wall time <
 * TO_MS in seq order. The visit's pointers are valid during the call only.
 * FN returns 0 to go on, non-zero to stop (returned as is). Returns 0,
 * FN's stop value, or -1.
 */
/*
 * store_foreach_after(s, after_seq, which, fn, ctx):
 * The same for every visit of WHICH (STORE_PENDING or STORE_UNSENT: read
 * from their index) with seq > AFTER_SEQ, in seq order: the outbox's way
 * in, whose cost does not grow with the backlog when FN stops early.
 */
int store_foreach_after(struct store *s, int64_t after_seq,
    enum store_which which,
    int (*fn)(void *ctx, const struct store_visit *v), void *ctx);

int store_foreach_visit(struct store *s, int64_t from_ms, int64_t to_ms,
    enum store_which which,
    int (*fn)(void *ctx, const struct store_visit *v), void *ctx);

/*
 * store_mark_uploaded(s, seqs, n, wall_ms):
 * Mark the N visits SEQS uploaded at WALL_MS, in one transaction. Call
 * only after the collector acknowledged them (and not for rows it
 * refused). Then the highest seq of this store's own instance that the
 * collector holds is written next to the store (PATH.acked, outside the
 * SQLite file): a store that is later found below it (it lost commits)
 * moves to a new instance id when it is opened, before it can give one of
 * those numbers to another visit. Returns the number of rows newly
 * marked, or -1.
 */
int64_t store_mark_uploaded(struct store *s, const int64_t *seqs, size_t n,
    int64_t wall_ms);

/*
 * store_new_instance(s, seqs, n):
 * The collector holds other visits under the identity the N visits SEQS
 * (this store's seqs) were sent under ("seq_reused"): this store was
 * rolled back (a lost write-ahead log, a card that ignored a flush, an
 * image restored from a copy) and numbered again. Give the store a new
 * random instance id (kept in meta: every later visit gets it) and move
 * to it every visit not yet uploaded that was to go under that identity
 * at or past the first of SEQS, in one transaction, with an event and an
 * error log line: they are sent again under the new id and stored.
 * Visits already uploaded keep their identity; none is set aside. Returns
 * how many visits moved, or -1.
 */
int64_t store_new_instance(struct store *s, const int64_t *seqs, size_t n);

/*
 * store_quarantine(s, seqs, reasons, n, wall_ms):
 * Set the N visits SEQS aside, each with its REASONS[i]: the collector
 * refused them, row by row or by an explicit refusal of their batch. They
 * are kept, no longer offered for upload, counted in status and on the
 * admin screen as an alert, with a sync_quarantine event; store_release
 * puts them back. Returns the number of rows, or -1.
 */
int64_t store_quarantine(struct store *s, const int64_t *seqs,
    const char *const *reasons, size_t n, int64_t wall_ms);

/*
 * store_release(s, seqs, n):
 * Put the N set-aside visits SEQS (all of them when SEQS is NULL) back in
 * the upload queue. Returns how many went back, or -1.
 */
int64_t store_release(struct store *s, const int64_t *seqs, size_t n);

/* The last word from the collector, kept for status and the admin screen. */
enum store_sync_result {
	STORE_SYNC_NONE,		/* never tried */
	STORE_SYNC_OK,			/* acknowledged */
	STORE_SYNC_RETRY,		/* unreachable, or not the collector's
					 * answer (a portal, a proxy): retried */
	STORE_SYNC_REFUSED,		/* the collector refused rows: set aside */
	STORE_SYNC_NOT_ENROLLED,	/* 401: the collector does not know us */
	STORE_SYNC_ENROLMENT_REFUSED	/* 403 */
};

struct store_sync {
	enum store_sync_result result;
	int64_t at_ms;			/* when it was tried */
	long status;			/* HTTP status, 0 when none came */
	char message[160];		/* what it said, for the owner */
	int64_t ok_ms;			/* the last acknowledgement; 0: never */
	int64_t heartbeat_ok_ms;	/* the last heartbeat it took; 0 */
};

/*
 * store_sync_note(s, result, status, message, heartbeat):
 * Record how the last upload (or, with HEARTBEAT, heartbeat) went, at
 * the wall time now. Returns 0 or -1.
 * store_sync_last(s, out): what was recorded. Returns 0 or -1.
 */
int store_sync_note(struct store *s, enum store_sync_result result,
    long status, const char *message, int heartbeat);
int store_sync_last(struct store *s, struct store_sync *out);

/* store_sync_result_name(r): "ok", "retry", "refused", ... */
const char *store_sync_result_name(enum store_sync_result r);

/*
 * store_clock_state(s, boot_id, out):
 * What the store remembers of trusted time (clock.h): the latest trusted
 * wall time recorded, and BOOT_ID's anchor if that boot was trusted
 * before. Returns 0 or -1.
 */
int store_clock_state(struct store *s, const char *boot_id,
    struct clock_memory *out);

/*
 * store_clock_trusted(s, now):
 * The clock is trusted NOW: remember NOW's boot anchor (wall - boot
 * time) and re-date, from their boots' anchors, the visits not yet
 * uploaded that were recorded while it was not (their flag cleared, what
 * the clock said kept). Returns how many were re-dated, or -1.
 */
int64_t store_clock_trusted(struct store *s, const struct clock_now *now);

/*
 * store_clock_observe(s, now, verdict):
 * Read the store's memory, judge NOW (clock_judge with this program's
 * build time) into *VERDICT (may be NULL), and when trusted and this
 * boot's anchor is new or moved, store_clock_trusted. Returns the
 * earliest the true time can be (clock_earliest), or -1 on a store error.
 */
int64_t store_clock_observe(struct store *s, const struct clock_now *now,
    enum clock_verdict *verdict);

/*
 * store_clock_reset(s, boot_id):
 * Forget the latest trusted time and BOOT_ID's anchor (the owner's word,
 * `kioskctl clock reset`: a wrong time was trusted and a right clock is
 * judged behind or jumped). The next judgement starts again from the
 * sync state. An admin event. Returns 0 or -1.
 */
int store_clock_reset(struct store *s, const char *boot_id);

struct store_purge_res {
	int64_t visits_deleted;
	int64_t events_deleted;
	int64_t rejects_deleted;
	int64_t kept_unuploaded;	/* old but not uploaded: kept */
};

/*
 * store_purge(s, now_ms, retention_days, out):
 * Delete uploaded visits, events and reject counts older than
 * RETENTION_DAYS; visits never uploaded are kept whatever their age and
 * counted in OUT->kept_unuploaded. Returns 0 or -1.
 */
int store_purge(struct store *s, int64_t now_ms, int retention_days,
    struct store_purge_res *out);

/*
 * store_count_visits(s, from_ms, to_ms):
 * Check-ins with FROM_MS <= wall time < TO_MS, or -1.
 */
int64_t store_count_visits(struct store *s, int64_t from_ms, int64_t to_ms);

/*
 * store_heartbeat_gaps(s, from_ms, to_ms, max_gap_ms, longest_ms):
 * How many times between FROM_MS and TO_MS the kiosk went more than
 * MAX_GAP_MS without a heartbeat (it was off or hung), counting the time
 * before the first and after the last heartbeat in the window; the longest
 * gap in *LONGEST_MS. Returns the count, or -1.
 */
int64_t store_heartbeat_gaps(struct store *s, int64_t from_ms, int64_t to_ms,
    int64_t max_gap_ms, int64_t *longest_ms);

/*
 * store_check(s, full):
 * Run SQLite's integrity_check (FULL) or quick_check. Returns 0 when the
 * file is sound, 1 when it is not (logged), -1 on error.
 */
int store_check(struct store *s, int full);

/*
 * store_foreach_event(s, kind, from_ms, limit, fn, ctx):
 * Call FN(CTX, wall_ms, detail_json) for the newest LIMIT events of KIND
 * since FROM_MS, newest first; FN returns 0 to go on, 1 to stop, -1 on
 * error. Returns 0 or -1.
 */
int store_foreach_event(struct store *s, const char *kind, int64_t from_ms,
    int limit, int (*fn)(void *ctx, int64_t wall_ms, const char *detail),
    void *ctx);

#endif
