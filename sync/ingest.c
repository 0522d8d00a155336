/*
 * ingest: verify and store one signed batch. See ingest.h.
 */
#include "ingest.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "keys.h"

unsigned
ingest_verify(struct db *db, const struct wire_header *h, const void *body,
    size_t len, char *why, size_t size)
{
	unsigned char pk[KEYS_PUB_LEN];
	char digest[65];
	int r;

	wire_digest(body, len, digest);
	if (strcmp(digest, h->digest) != 0) {
		snprintf(why, size, "body digest does not match X-Kiosk-Digest");
		return 400;
	}
	r = db_device_key(db, h->device, pk);
	if (r != 0) {
		snprintf(why, size, "%s", r < 0 ? "storage error" : r == 2 ?
		    "this kiosk was revoked by its ward: its uploads are "
		    "refused" : "unknown device: enrol it first");
		return r < 0 ? 503 : r == 2 ? 403 : 401;
	}
	if (wire_verify(pk, h) != 0) {
		snprintf(why, size, "bad signature");
		return 401;
	}
	return 0;
}

unsigned
ingest_signed(struct db *db, const struct wire_header *h, const void *body,
    size_t len, int64_t now_ms, struct wire_ack *ack, char *why, size_t size)
{
	struct wire_visit *v = NULL;
	struct db_ingest_res res;
	size_t n = 0, i;
	unsigned st;
	int r;

	memset(ack, 0, sizeof(*ack));
	if ((st = ingest_verify(db, h, body, len, why, size)) != 0)
		return st;
	r = wire_batch_decode(body, len, h, now_ms, &v, &n, why, size);
	if (r == WIRE_BUSY)
		return 503;	/* ours, not the batch's: send again */
	if (r != 0)
		return WIRE_REFUSED_STATUS;
	if (db_ingest(db, h, v, n, now_ms, &res) != 0) {
		wire_visits_free(v, n);
		snprintf(why, size, "storage error: nothing stored, send again");
		return 503;
	}
	ack->acked_through = res.acked_through;
	ack->stored = res.stored;
	ack->duplicates = res.duplicates;
	ack->rejected = res.rejected;
	ack->rejects = calloc(n, sizeof(*ack->rejects));
	for (i = 0; i < n && ack->rejects != NULL; i++) {
		if (v[i].reject == NULL)
			continue;
		ack->rejects[ack->n_rejects].seq = v[i].seq;
		snprintf(ack->rejects[ack->n_rejects].reason,
		    sizeof(ack->rejects[0].reason), "%s", v[i].reject);
		ack->n_rejects++;
	}
	wire_visits_free(v, n);
	return 0;
}

unsigned
ingest_heartbeat(struct db *db, const char *device, const char *json,
    size_t len, int64_t sent_at_ms, int64_t now_ms, const char **refused,
    char *why, size_t size)
{
	struct wire_heartbeat hb;
	int64_t off = sent_at_ms - now_ms;
	size_t i;
	int r;

	*refused = NULL;
	if (off > WIRE_HEARTBEAT_WINDOW_MS || off < -WIRE_HEARTBEAT_WINDOW_MS) {
		*refused = "stale";
		snprintf(why, size, "the heartbeat was sent at a time %lld s "
		    "from the collector's clock (at most %lld s apart): "
		    "send it again with the collector's time",
		    (long long)(off / 1000),
		    (long long)(WIRE_HEARTBEAT_WINDOW_MS / 1000));
		return WIRE_HEARTBEAT_STATUS;
	}
	if (wire_heartbeat_parse(json, len, now_ms, &hb, why, size) != 0)
		return 400;
	r = db_heartbeat(db, device, json, sent_at_ms, now_ms);
	if (r != 0) {
		wire_heartbeat_release(&hb);
		if (r == 1)
			*refused = "replay";
		snprintf(why, size, "%s", r == 1 ? "a heartbeat sent at or "
		    "after this one's time was taken already (a replay, or "
		    "this kiosk's clock was ahead before: the next one, "
		    "a minute on, is taken)" : r == 2 ?
		    "this kiosk was revoked by its ward" : "storage error");
		return r == 1 ? WIRE_HEARTBEAT_STATUS : r == 2 ? 403 : 503;
	}
	for (i = 0; i < hb.n_inspections; i++) {
		if (db_inspection_add(db, device, hb.inspections[i].at_ms,
		    hb.inspections[i].pass_id, hb.inspections[i].issuer,
		    now_ms) != 0) {
			wire_heartbeat_release(&hb);
			snprintf(why, size, "storage error");
			return 503;
		}
	}
	wire_heartbeat_release(&hb);
	return 0;
}
