/*
 * uploader: one step of kiosk-sync at a time, so the daemon loop, --once
 * and the tests drive the same code.
 *
 * uploader_batch() sends the next signed batch from the outbox and marks
 * its visits uploaded in one transaction only after the collector's
 * acknowledgement. Rows the collector refuses one by one, and a single
 * row it explicitly refuses for good ("refused":"batch"; a batch of
 * several is sent again in halves), are set aside, kept and shown as an
 * alert, so the queue goes on; rows it refuses as seq_reused go again
 * under a new instance id (the store was rolled back); everything else
 * that is not the collector's acknowledgement (the network's faults, a
 * captive portal's redirect or page, a proxy's 401/403/404, 5xx, 429) is
 * retried with backoff, and never sets anything aside.
 */
#ifndef KIOSK_UPLOADER_H
#define KIOSK_UPLOADER_H

#include <stdint.h>

#include "keys.h"
#include "wire.h"

struct store;

struct uploader {
	struct store *store;
	const struct key_pair *device;
	char device_id[KEYS_ID_LEN + 1];
	const char *base_url;		/* collector, no trailing slash needed */
	long timeout_s;			/* per request; 0: 60 */
	int64_t hb_offset_ms;		/* the collector's clock minus ours, as
					 * its refusal of a stale heartbeat
					 * said (0 until then) */
	int64_t pass_list_version;	/* as the last heartbeat's answer
					 * said; -1 not said */
	size_t max_rows;		/* rows per batch for now: halved when
					 * the collector refuses a batch of
					 * several, doubled back after each
					 * acknowledged one; 0: all that fit */
};

enum upload_result {
	UPLOAD_NOTHING,		/* nothing to send now (OUT->held may wait) */
	UPLOAD_SENT,		/* a batch was acknowledged; maybe more left */
	UPLOAD_RETRY,		/* not the collector's acknowledgement: back off */
	UPLOAD_QUARANTINED,	/* one row explicitly refused for good: set
				 * aside */
	UPLOAD_SPLIT,		/* a batch of several rows refused as a whole:
				 * sent again in smaller ones, at once */
	UPLOAD_ERROR		/* local failure (store) */
};

struct upload_outcome {
	enum upload_result result;
	int64_t first_seq, last_seq, count;
	int64_t retry_after_s;		/* from the server, or -1 */
	long status;			/* HTTP status, 0 if none */
	int64_t refused;		/* rows the collector refused, set aside */
	int64_t renewed;		/* rows moved to a new instance id: the
					 * collector holds other visits under
					 * their numbers (seq_reused) */
	int64_t held;			/* UPLOAD_NOTHING: visits held back
					 * (OUTBOX_HOLD_MS) that wait */
	char message[256];		/* for the log */
};

/* uploader_batch(u, o): send the next batch. Returns O->result. */
enum upload_result uploader_batch(struct uploader *u,
    struct upload_outcome *o);

struct outbox_batch;
struct http_resp;

/*
 * uploader_answer(u, b, answered, r, o):
 * What the collector's answer R to batch B means, done in the store:
 * with ANSWERED 0 no answer came (R->error says why). An acknowledgement
 * marks its rows uploaded, sets aside the rows it refused, and moves
 * those refused as seq_reused to a new instance id (store_new_instance);
 * the collector's refusal of the whole batch splits a batch of several
 * rows (U->max_rows) and sets one row aside; anything else is retried.
 * Fills *O; returns O->result. uploader_batch() calls it after the POST;
 * tests call it with an answer of their own.
 */
enum upload_result uploader_answer(struct uploader *u,
    const struct outbox_batch *b, int answered, const struct http_resp *r,
    struct upload_outcome *o);

/*
 * uploader_heartbeat(u, hb):
 * Send HB signed, sent at our clock plus U->hb_offset_ms. When the
 * collector refuses it as stale (our clock is off by more than
 * WIRE_HEARTBEAT_WINDOW_MS), the offset is set from the collector's
 * clock and it is sent once more. Returns 0 when the collector took it,
 * -1 (logged) otherwise.
 */
int uploader_heartbeat(struct uploader *u, const struct wire_heartbeat *hb);

/*
 * uploader_pass_list(u, text):
 * Ask the collector for this kiosk's ward's pass list (a signed request);
 * its text (passlist.h, not checked here) into *TEXT (malloc'd). 0, or -1
 * (logged).
 */
int uploader_pass_list(struct uploader *u, char **text);

/*
 * uploader_backoff_ms(attempt, retry_after_s, cap_ms):
 * How long to wait before try ATTEMPT (1, 2, ...): full jitter, uniform in
 * [0, min(CAP_MS, 2 s * 2^attempt)] (CAP_MS 0: 15 min), and never less
 * than a server's Retry-After.
 */
int64_t uploader_backoff_ms(int attempt, int64_t retry_after_s,
    int64_t cap_ms);

#endif
