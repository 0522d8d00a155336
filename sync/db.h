/*
 * db: the collector's storage, behind one small interface so that the
 * SQLite backend (default, one ward) and a PostgreSQL backend (a city)
 * serve the same server and the same tests.
 *
 *   sqlite:PATH            SQLite in WAL mode (db_sqlite.c)
 *   postgresql://...       PostgreSQL through libpq (db_pg.c): visits in
 *                          daily partitions, batches loaded by COPY
 *
 * Every call is safe from several server threads at once. Tokens are
 * stored as BLAKE2b hashes, never in clear. The rules (enrolment, a
 * check-out needs a check-in, the phone duplicate window, ...) are written
 * once, in db.c, over each backend's small primitives (db_impl.h); every
 * failure is logged once, with the database's own message, where it is
 * seen.
 */
#ifndef KIOSK_DB_H
#define KIOSK_DB_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "wire.h"
#include "keys.h"

struct db;

#define DB_TOKEN_LEN 43		/* base64url of 32 random bytes */
#define DB_ROLE_LEN 24		/* the longest role, device-enrolment, fits */

/*
 * db_open(url): open (creating) the store at URL, or NULL with a log line.
 * db_open_existing(url): open the store at URL, which must be one already
 * (made by collector init or serve): a missing SQLite file or a database
 * with no collector tables is refused (NULL, logged with the path and how
 * to make one), never made empty, so a mistyped --db is an error, not an
 * answer of "nothing".
 * db_open_pool(url, connections): the same, with CONNECTIONS (1 to
 * DB_MAX_CONNECTIONS) for concurrent work: PostgreSQL's pool, SQLite's
 * readers beside its one writer. db_open has DB_CONNECTIONS.
 */
#define DB_CONNECTIONS 4
#define DB_MAX_CONNECTIONS 256
struct db *db_open(const char *url);
struct db *db_open_existing(const char *url);
struct db *db_open_pool(const char *url, int connections);

/*
 * db_open_reader(url, connections): a store to read from only: a
 * PostgreSQL standby (libpq's target_session_attrs=prefer-standby) that
 * holds the collector's tables. Nothing is written or made there. NULL
 * (logged) for SQLite or a database that is not a collector's.
 * db_read_lag(d, standby, lag_ms): is D's server a standby, and how far
 * behind its primary (0 when nothing is left to replay). SQLite, a
 * primary: 0 and 0. Returns 0 or -1.
 */
struct db *db_open_reader(const char *url, int connections);
int db_read_lag(struct db *d, int *standby, int64_t *lag_ms);

/* db_close(d): close D; NULL does nothing. */
void db_close(struct db *d);

/* db_backend(d): "sqlite" or "postgresql". */
const char *db_backend(const struct db *d);

/*
 * db_token_new(d, role, ward, out):
 * Make a token for ROLE (device-enrolment, tracer, patrol, admin), store
 * its hash, and write it into OUT (DB_TOKEN_LEN + 1 bytes). Returns 0/-1.
 * db_token_new_venue(d, venue, out): a device-enrolment token bound to
 * VENUE's ward (required) and to those of its venue id, name and address
 * that are not "" (see db_enroll).
 */
int db_token_new(struct db *d, const char *role, const char *ward,
    char out[DB_TOKEN_LEN + 1]);
int db_token_new_venue(struct db *d, const struct wire_device *venue,
    char out[DB_TOKEN_LEN + 1]);

/*
 * db_token_new_until(d, role, bound, expires_ms, out): a token for ROLE,
 * bound to BOUND's ward and venue fields (NULL: none; an enrolment token
 * needs a ward) that cannot be used from EXPIRES_MS on (0: never).
 */
int db_token_new_until(struct db *d, const char *role,
    const struct wire_device *bound, int64_t expires_ms,
    char out[DB_TOKEN_LEN + 1]);

/*
 * db_token_role(d, token, role, ward, size):
 * Look TOKEN up; its role into ROLE (DB_ROLE_LEN bytes) and ward into WARD.
 * Returns 0, 1 when unknown or already used (one-time tokens), -1.
 */
int db_token_role(struct db *d, const char *token, char role[DB_ROLE_LEN],
    char *ward, size_t size);

/* db_enroll's answers besides 0 (enrolled) and -1 (the store failed). */
#define DB_ENROLL_BAD_TOKEN 1	/* unknown, used, or not for enrolment */
#define DB_ENROLL_KEY_TAKEN 2	/* the device id is another key's */
#define DB_ENROLL_MISMATCH 3	/* declares another ward or venue */
#define DB_ENROLL_VENUE_HELD 4	/* another ward's kiosks hold the venue id */
#define DB_ENROLL_OTHER_WARD 5	/* the device is enrolled in another ward */
#define DB_ENROLL_REVOKED 6	/* the device's key was revoked */

/*
 * db_enroll(d, token, dev, why, wsize):
 * Register DEV (its key proven by the caller: wire_enroll_parse) with a
 * one-time device-enrolment TOKEN, using it up, in one transaction. The
 * token's ward, and each venue field it is bound to, are taken into *DEV;
 * a DEV that declares another is refused. A venue id that devices of
 * another ward hold, a device id enrolled with another key, in another
 * ward, or revoked, are refused. The same key enrolled again with a new
 * token of its ward takes the token's venue. Returns 0, -1 (the store
 * failed) or DB_ENROLL_*, with WHY saying what to do for the person
 * enrolling; a refusal leaves the token unused.
 */
int db_enroll(struct db *d, const char *token, struct wire_device *dev,
    char *why, size_t wsize);

/*
 * db_device_key(d, device_id, pk):
 * The enrolled public key of DEVICE_ID. Returns 0, 1 unknown, 2 revoked,
 * -1 error.
 */
int db_device_key(struct db *d, const char *device_id,
    unsigned char pk[KEYS_PUB_LEN]);

/*
 * db_device_revoke(d, device_id, now_ms):
 * Revoke DEVICE_ID for good: its uploads, heartbeats, receipts and venue
 * codes are refused from now on; its visits stay. Returns 0, 1 unknown,
 * 2 revoked already, -1 error.
 */
int db_device_revoke(struct db *d, const char *device_id, int64_t now_ms);

/*
 * How far a visit's time can be trusted. A kiosk flags the visits it
 * recorded while its clock could not be trusted and that it could not
 * re-date (UNTRUSTED); a time that cannot be (later than its arrival by
 * more than WIRE_FUTURE_MS, or older than DB_MAX_AGE_MS) is filed at the
 * time it arrived and the kiosk's time kept beside it (REFILED). Neither
 * is refused: the visitor was there. Retention keeps a flagged visit at
 * least its retention period after it arrived.
 */
#define DB_CLOCK_OK 0
#define DB_CLOCK_UNTRUSTED 1
#define DB_CLOCK_REFILED 2
#define DB_MAX_AGE_MS (90LL * 86400000)

struct db_ingest_res {
	int64_t acked_through;	/* == header last_seq once committed */
	int64_t stored, duplicates, rejected;
};

/*
 * db_ingest(d, h, v, n, now_ms, res):
 * Store the rows of a verified batch in one transaction: new (device,
 * instance, seq) rows are inserted, ones already there are counted as
 * duplicates, rows with a reject reason (from the parser, or a check-out
 * with no check-in before it, whose V[i].reject is then set) are recorded
 * as rejects. Returns 0 only
 * after the commit, -1 (nothing stored) on error.
 */
int db_ingest(struct db *d, const struct wire_header *h,
    struct wire_visit *v, size_t n, int64_t now_ms,
    struct db_ingest_res *res);

/*
 * db_device_venue(d, device_id, name, size):
 * The venue name DEVICE_ID was enrolled with. Returns 0, 1 unknown or
 * revoked, -1.
 */
int db_device_venue(struct db *d, const char *device_id, char *name,
    size_t size);

/*
 * db_phone_checkin(d, device_id, kind, subject, now_ms, window_ms,
 *     venue_name, size):
 * Record a visit a visitor made on their phone at DEVICE_ID's venue:
 * instance "phone", the next seq of that device's phone visits, source
 * "phone". The same subject there within WINDOW_MS is a duplicate and
 * nothing is stored. VENUE_NAME gets the venue's name. Returns 0 accepted,
 * 1 duplicate, 2 unknown device, -1 error.
 */
int db_phone_checkin(struct db *d, const char *device_id, const char *kind,
    const char *subject, int64_t now_ms, int64_t window_ms,
    char *venue_name, size_t size);

/*
 * db_heartbeat(d, device_id, json, sent_at_ms, now_ms):
 * Record a heartbeat (its JSON fields as sent) and the kiosk's clock
 * drift, when SENT_AT_MS is later than the last one taken from
 * DEVICE_ID. Returns 0, 1 not later (a replay; nothing stored), 2
 * unknown or revoked device, -1 error.
 */
int db_heartbeat(struct db *d, const char *device_id, const char *json,
    int64_t sent_at_ms, int64_t now_ms);

struct db_stats_stream {
	char device_id[KEYS_ID_LEN + 1];
	char instance[WIRE_INSTANCE_LEN + 1];
	int64_t max_seq, visits;
};

struct db_stats {
	int64_t devices, visits, rejects, heartbeats;
	int64_t partitions;		/* PostgreSQL's day partitions; -1 */
	struct db_stats_stream *per;	/* each device's instances; owned */
	size_t n_per;
};

/*
 * db_stats(d, out):
 * The store's counts into *OUT (release with db_stats_release). Returns 0
 * or -1.
 */
int db_stats(struct db *d, struct db_stats *out);
void db_stats_release(struct db_stats *s);

/*
 * db_purge(d, before_ms):
 * Retention: drop the visits of every whole day (UTC) that ended at or
 * before BEFORE_MS (on PostgreSQL by dropping that day's partition), and
 * the heartbeats, inspections and row refusals that arrived before it.
 * Returns how many visits went, or -1.
 */
int64_t db_purge(struct db *d, int64_t before_ms);

/*
 * db_shards_setup(d, path, out):
 * Make D (PostgreSQL) the coordinator of the district shards that the
 * JSON file PATH names ({"shards": [{"name", "district", "db", "wards"}]},
 * docs/scaling.md), or bring it up to date: each district's server made a
 * collector database, D's visits partitioned by district over postgres_fdw
 * foreign tables on them. A shard or a ward it had is never dropped or
 * moved. Says what it made on OUT. Returns 0, or -1 (logged).
 */
int db_shards_setup(struct db *d, const char *path, FILE *out);

/* ---- Bounded work ---- */

/*
 * Every statement has a time budget: DB_STATEMENT_MS, or less when the
 * calling thread set a db_budget (a trace). Past it the statement stops
 * and fails (PostgreSQL: statement_timeout; SQLite: a progress handler),
 * as it does when GONE(CTX) says the client that asked went away. A
 * query's rows are at most DB_ROWS_MAX; past that the first DB_ROWS_MAX
 * are returned and the budget's TRUNCATED set.
 */
#define DB_STATEMENT_MS 60000
#define DB_ROWS_MAX 250000

struct db_budget {
	int64_t deadline_ms;		/* ktime_mono_ms(); 0: none */
	int (*gone)(void *ctx);		/* or NULL */
	void *ctx;
	int spent;			/* set: a statement was stopped */
	int truncated;			/* set: a result was cut at DB_ROWS_MAX */
};

/*
 * db_budget_set(b): B governs this thread's statements from now on (NULL:
 * only DB_STATEMENT_MS). B must outlive its use; the caller sets NULL
 * when done.
 * db_budget_over(): for the backends: 1 when this thread's budget is
 * spent or its client gone (checked at most every 100 ms), else 0.
 * db_statement_deadline(): for the backends: when a statement starting
 * now must stop (ktime_mono_ms()).
 */
void db_budget_set(struct db_budget *b);
int db_budget_over(void);
int64_t db_statement_deadline(void);
/* db_budget_note(spent, truncated): for the backends and queries. */
void db_budget_note(int spent, int truncated);

/* ---- Queries for tracers and patrols (docs/trace.md) ---- */

struct db_visit {
	char device_id[KEYS_ID_LEN + 1];
	char venue_id[65], venue_name[129], address[257], ward[129];
	char kind[16], subject[64], direction[4], source[8];
	int64_t wall_ms;
	unsigned char *sealed;		/* NULL when none; owned by the array */
	size_t sealed_len;
	int clock;			/* DB_CLOCK_* */
	int64_t claimed_ms;		/* DB_CLOCK_REFILED: what the kiosk said */
};

/*
 * db_visits_subject(d, kind, subject, from_ms, to_ms, out, n):
 * Every visit row (in and out) of one person with FROM_MS <= wall_ms <
 * TO_MS, with its venue, oldest first, in a new array (db_visits_free).
 * db_visits_venue: the same for every device enrolled at VENUE_ID,
 * without the sealed fields (db_visits_sealed fetches those of one row).
 * At most DB_ROWS_MAX rows (see db_budget). Return 0 or -1.
 */
int db_visits_subject(struct db *d, const char *kind, const char *subject,
    int64_t from_ms, int64_t to_ms, struct db_visit **out, size_t *n);
int db_visits_venue(struct db *d, const char *venue_id, int64_t from_ms,
    int64_t to_ms, struct db_visit **out, size_t *n);

/*
 * db_visits_sealed(d, v): fill V's sealed fields (a row of
 * db_visits_venue), found by its device, person and time. Returns 0 (V
 * may have none), or -1.
 */
int db_visits_sealed(struct db *d, struct db_visit *v);
void db_visits_free(struct db_visit *v, size_t n);

struct db_audit {
	int64_t at_ms;
	char who[200], action[32];
	char *detail;			/* JSON text; owned */
	int64_t results;
};

/*
 * db_audit_add(d, at_ms, who, action, detail_json, results):
 * Append to the audit log. Returns 0 or -1.
 * db_audit_list(d, out, n): the log, oldest first, in a new array
 * (db_audit_free). Returns 0 or -1.
 */
int db_audit_add(struct db *d, int64_t at_ms, const char *who,
    const char *action, const char *detail_json, int64_t results);
int db_audit_list(struct db *d, struct db_audit **out, size_t *n);
void db_audit_free(struct db_audit *a, size_t n);

struct db_venue_status {
	struct wire_device dev;
	int64_t enrolled_ms;
	int64_t revoked_ms;		/* 0: not revoked */
	int64_t last_heartbeat_ms;	/* 0: never */
	int64_t last_upload_ms;		/* 0: never (kiosk batches only) */
	char *last_detail;		/* the last heartbeat's JSON, whole, or
					 * NULL; owned */
};

/*
 * db_ward_devices(d, ward, out, n):
 * The devices enrolled in WARD (NULL: every ward), revoked ones too, with
 * their last heartbeat and upload, by ward and venue id, in a new array
 * (db_ward_devices_free). WARD matches as people type it (wardname.h:
 * "Phuong Ben Nghe" is "Phường Bến Nghé"). Returns 0 or -1.
 */
int db_ward_devices(struct db *d, const char *ward,
    struct db_venue_status **out, size_t *n);
void db_ward_devices_free(struct db_venue_status *v, size_t n);

struct db_ward {
	char name[sizeof(((struct wire_device *)0)->ward)];	/* as stored */
	int64_t venues, devices;	/* revoked devices too */
};

/*
 * db_wards(d, out, n): every ward the devices were enrolled in (or that
 * has pass issuers), with how
 * many venues and devices each has, by name, in a new array (free()).
 * Returns 0 or -1.
 */
int db_wards(struct db *d, struct db_ward **out, size_t *n);

/*
 * db_ward_figures(d, ward, bounds, nb, from_ms, to_ms, beats_to_ms, fn):
 * The ward report's figures for every device of WARD (spelt as people
 * type it) in three queries, whatever the ward's size:
 *   fn->day_counts(ctx, device_id, counts): check-ins in [bounds[i],
 *     bounds[i + 1]) for i < NB - 1 (NB - 1 <= DB_WARD_DAYS_MAX), for
 *     each device with any;
 *   fn->heartbeat(ctx, device_id, t): each heartbeat in [FROM_MS,
 *     BEATS_TO_MS), by device then time;
 *   fn->inspection(ctx, device_id, in): each inspection in [FROM_MS,
 *     TO_MS), by device then time.
 * A callback's non-zero stops it. Returns 0 (a ward nobody has: no
 * calls), or -1.
 */
#define DB_WARD_DAYS_MAX 7

struct db_ward_fns {
	int (*day_counts)(void *ctx, const char *device_id,
	    const int64_t *counts);
	int (*heartbeat)(void *ctx, const char *device_id, int64_t t);
	int (*inspection)(void *ctx, const char *device_id,
	    const struct wire_inspection *in);
	void *ctx;
};

int db_ward_figures(struct db *d, const char *ward, const int64_t *bounds,
    int nb, int64_t from_ms, int64_t to_ms, int64_t beats_to_ms,
    const struct db_ward_fns *fn);

/*
 * db_inspection_add(d, device_id, at_ms, pass_id, issuer, now_ms):
 * Record a patrol inspection a kiosk reported (once: the same device,
 * time and pass again is a no-op). Returns 0 or -1 (db_ward_figures
 * reads them back).
 */
int db_inspection_add(struct db *d, const char *device_id, int64_t at_ms,
    const char *pass_id, const char *issuer, int64_t now_ms);

#endif
