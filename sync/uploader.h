/*
 * uploader: one step of kiosk-sync at a time, so the daemon loop, --once
 * and the tests drive the same code.
 *
 * uploader_batch() takes the oldest not-yet-uploaded visits (at most
 * BATCH_MAX_VISITS, BATCH_MAX_JSON bytes of JSON), sends them as one
 * signed compressed batch, and marks them uploaded in one transaction only
 * after the collector's acknowledgement. A batch the collector refuses for
 * good (4xx other than 429) is quarantined so the queue goes on.
 */
#ifndef KIOSK_UPLOADER_H
#define KIOSK_UPLOADER_H

#include <stdint.h>

#include "batch.h"
#include "keys.h"

struct store;

struct uploader {
	struct store *store;
	const struct key_pair *device;
	char device_id[KEYS_ID_LEN + 1];
	const char *base_url;		/* collector, no trailing slash needed */
	long timeout_s;			/* per request; 0: 60 */
};

enum upload_result {
	UPLOAD_NOTHING,		/* nothing left to send */
	UPLOAD_SENT,		/* a batch was acknowledged; maybe more left */
	UPLOAD_RETRY,		/* unreachable, 5xx or 429: back off */
	UPLOAD_QUARANTINED,	/* refused for good: set aside, go on */
	UPLOAD_ERROR		/* local failure (store) */
};

struct upload_outcome {
	enum upload_result result;
	int64_t first_seq, last_seq, count;
	int64_t retry_after_s;		/* from the server, or -1 */
	long status;			/* HTTP status, 0 if none */
	char message[256];		/* for the log */
};

/*
 * uploader_build(u, after_seq, h, z, zlen):
 * The next batch of not-yet-uploaded visits past AFTER_SEQ: its header
 * (not yet signed) into *H and its compressed body into *Z (caller frees).
 * Returns 1, 0 when there is none, -1 on error.
 */
int uploader_build(struct uploader *u, int64_t after_seq,
    struct batch_header *h, unsigned char **z, size_t *zlen);

/*
 * uploader_sign(u, h, body, len):
 * Fill H's digest of BODY, sent-at time and signature. Returns 0 or -1.
 */
int uploader_sign(const struct uploader *u, struct batch_header *h,
    const void *body, size_t len);

/* uploader_batch(u, o): send the next batch. Returns O->result. */
enum upload_result uploader_batch(struct uploader *u,
    struct upload_outcome *o);

/*
 * uploader_heartbeat(u, json):
 * Send a signed heartbeat with the JSON fields JSON. Returns 0 when the
 * collector took it, -1 (logged) otherwise.
 */
int uploader_heartbeat(struct uploader *u, const char *json);

/*
 * uploader_backoff_ms(attempt, retry_after_s, cap_ms):
 * How long to wait before try ATTEMPT (1, 2, ...): full jitter, uniform in
 * [0, min(CAP_MS, 2 s * 2^attempt)] (CAP_MS 0: 15 min), and never less
 * than a server's Retry-After.
 */
int64_t uploader_backoff_ms(int attempt, int64_t retry_after_s,
    int64_t cap_ms);

#endif
