/*
 * ingest: a signed batch from its header and exact bytes to the store,
 * the same way whether it came over HTTP (collector serve) or on a USB
 * stick (collector import): digest, enrolled device key, signature,
 * inflate (bounded), strict parse with row rejects, one transaction.
 */
#ifndef KIOSK_INGEST_H
#define KIOSK_INGEST_H

#include <stddef.h>
#include <stdint.h>

#include "db.h"
#include "wire.h"

/*
 * ingest_verify(db, h, body, len, why, size):
 * Only the checks: digest of the exact bytes, device enrolled, signature
 * its. Returns 0, or 400, 401, 403 (revoked) or 503 with the reason in
 * WHY.
 */
unsigned ingest_verify(struct db *db, const struct wire_header *h,
    const void *body, size_t len, char *why, size_t size);

/*
 * ingest_signed(db, h, body, len, now_ms, ack, why, size):
 * Returns 0 with the answer in *ACK (its rejects: the rows refused one by
 * one; release with wire_ack_release) once committed, or an HTTP status
 * with the reason in WHY and nothing stored: WIRE_REFUSED_STATUS when the
 * batch itself
 * can never be taken (signed, but not zlib, not JSON, not its header's
 * rows, or inflating past the limit: the kiosk sets those rows aside),
 * 400, 401 or 503 for what may change (a body altered on the way, an
 * unknown device or key, the store).
 */
unsigned ingest_signed(struct db *db, const struct wire_header *h,
    const void *body, size_t len, int64_t now_ms, struct wire_ack *ack,
    char *why, size_t size);

/*
 * ingest_heartbeat(db, device, json, len, sent_at_ms, now_ms, refused,
 *     why, size):
 * Store a verified heartbeat (its JSON as sent) and the patrol
 * inspections it reports, each kept once. SENT_AT_MS must be within
 * WIRE_HEARTBEAT_WINDOW_MS of NOW_MS and later than the last heartbeat
 * taken from DEVICE: else WIRE_HEARTBEAT_STATUS with *REFUSED "stale" or
 * "replay" (for wire_hb_refusal; NULL otherwise). Returns 0, or
 * WIRE_HEARTBEAT_STATUS, 400, 403 (revoked) or 503 with the reason in WHY.
 */
unsigned ingest_heartbeat(struct db *db, const char *device,
    const char *json, size_t len, int64_t sent_at_ms, int64_t now_ms,
    const char **refused, char *why, size_t size);

#endif
