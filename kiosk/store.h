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

struct store;

#define STORE_SCHEMA_VERSION 2
#define STORE_INSTANCE_LEN 32	/* hex characters */
#define STORE_BOOT_ID_LEN 36

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
 * to date. A file that fails SQLite's quick_check (or is not a database)
 * is renamed to PATH.corrupt-<time> (with its -wal and -shm files), logged,
 * and a new store with a new instance id is made in its place. Returns the
 * store (close with store_close), or NULL with a logged reason.
 */
struct store *store_open(const char *path);

/* store_close(s): close S; NULL does nothing. */
void store_close(struct store *s);

/* store_instance_id(s): the instance id, valid while S is open. */
const char *store_instance_id(const struct store *s);

/*
 * store_recovered_from(s):
 * The path the corrupt file was moved to when store_open() had to rebuild
 * the store, or NULL.
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
};

/*
 * store_foreach_visit(s, from_ms, to_ms, pending_only, fn, ctx):
 * Call FN(CTX, visit) for each visit with FROM_MS <= wall time < TO_MS in
 * seq order (only not-yet-uploaded ones when PENDING_ONLY). The visit's
 * pointers are valid during the call only. FN returns 0 to go on, non-zero
 * to stop (returned as is). Pending excludes quarantined visits.
 * Returns 0, FN's stop value, or -1.
 */
int store_foreach_visit(struct store *s, int64_t from_ms, int64_t to_ms,
    int pending_only, int (*fn)(void *ctx, const struct store_visit *v),
    void *ctx);

/*
 * store_mark_uploaded(s, first_seq, last_seq, wall_ms):
 * Mark visits FIRST_SEQ..LAST_SEQ uploaded at WALL_MS, in one
 * transaction. Call only after the collector acknowledged them. Returns
 * the number of rows newly marked, or -1.
 */
int64_t store_mark_uploaded(struct store *s, int64_t first_seq,
    int64_t last_seq, int64_t wall_ms);

/*
 * store_quarantine(s, first_seq, last_seq, reason, wall_ms):
 * Set visits FIRST_SEQ..LAST_SEQ aside: the collector refused their batch
 * for good (a 4xx other than 429). They are kept, no longer offered for
 * upload, counted in status as an alert, with a sync_quarantine event.
 * Returns the number of rows, or -1.
 */
int64_t store_quarantine(struct store *s, int64_t first_seq,
    int64_t last_seq, const char *reason, int64_t wall_ms);

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
