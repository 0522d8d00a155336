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
 * stored as BLAKE2b hashes, never in clear.
 */
#ifndef KIOSK_DB_H
#define KIOSK_DB_H

#include <stddef.h>
#include <stdint.h>

#include "batch.h"
#include "keys.h"

struct db;

#define DB_TOKEN_LEN 43		/* base64url of 32 random bytes */

/* db_open(url): open (creating) the store at URL, or NULL with a log line. */
struct db *db_open(const char *url);

/* db_close(d): close D; NULL does nothing. */
void db_close(struct db *d);

/* db_backend(d): "sqlite" or "postgresql". */
const char *db_backend(const struct db *d);

/*
 * db_token_new(d, role, ward, out):
 * Make a token for ROLE (device-enrolment, tracer, patrol, admin), store
 * its hash, and write it into OUT (DB_TOKEN_LEN + 1 bytes). Returns 0/-1.
 */
int db_token_new(struct db *d, const char *role, const char *ward,
    char out[DB_TOKEN_LEN + 1]);

/*
 * db_token_role(d, token, role, ward, size):
 * Look TOKEN up; its role into ROLE (16 bytes) and ward into WARD.
 * Returns 0, 1 when unknown or already used (one-time tokens), -1.
 */
int db_token_role(struct db *d, const char *token, char role[16],
    char *ward, size_t size);

struct db_device {
	char device_id[KEYS_ID_LEN + 1];
	unsigned char pk[KEYS_PUB_LEN];
	char venue_id[65], venue_name[129], address[257], ward[129];
};

/*
 * db_enroll(d, token, dev):
 * Register DEV with a one-time device-enrolment TOKEN, using it up, in one
 * transaction. Returns 0, 1 bad or used token, 2 the device id is taken by
 * another key, -1 error. Enrolling the same key again with a new token
 * updates the venue details.
 */
int db_enroll(struct db *d, const char *token, const struct db_device *dev);

/*
 * db_device_key(d, device_id, pk):
 * The enrolled public key of DEVICE_ID. Returns 0, 1 unknown, -1 error.
 */
int db_device_key(struct db *d, const char *device_id,
    unsigned char pk[KEYS_PUB_LEN]);

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
int db_ingest(struct db *d, const struct batch_header *h,
    struct batch_visit *v, size_t n, int64_t now_ms,
    struct db_ingest_res *res);

/*
 * db_device_venue(d, device_id, name, size):
 * The venue name DEVICE_ID was enrolled with. Returns 0, 1 unknown, -1.
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
 * drift. Returns 0 or -1.
 */
int db_heartbeat(struct db *d, const char *device_id, const char *json,
    int64_t sent_at_ms, int64_t now_ms);

/*
 * db_stats(d):
 * Counts as a compact JSON object in a new string (caller frees): devices,
 * visits, rejects, per-device highest acknowledged seq. NULL on error.
 */
char *db_stats(struct db *d);

/*
 * db_purge(d, before_ms):
 * Retention: drop the visits of every whole day (UTC) that ended at or
 * before BEFORE_MS (on PostgreSQL by dropping that day's partition).
 * Returns how many visits went, or -1.
 */
int64_t db_purge(struct db *d, int64_t before_ms);

#endif
