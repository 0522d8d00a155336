/*
 * uploader: signed, idempotent batch upload. See uploader.h.
 */
#include "uploader.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "http.h"
#include "ktime.h"
#include "log.h"
#include "outbox.h"
#include "store.h"

#define BACKOFF_BASE_MS 2000
#define BACKOFF_CAP_MS (15LL * 60 * 1000)

/* POST BODY to PATH with the signed header H. */
static int
post_signed(struct uploader *u, const char *path, const struct wire_header *h,
    const void *body, size_t len, const char *ctype, struct http_resp *r)
{
	char url[512], hv[WIRE_HEADER_LINES + 1][WIRE_HEADER_LINE_MAX];
	const char *headers[WIRE_HEADER_LINES + 2];
	int i;

	snprintf(url, sizeof(url), "%s%s", u->base_url, path);
	wire_header_lines(h, hv);
	snprintf(hv[WIRE_HEADER_LINES], sizeof(hv[0]), "Content-Type: %s",
	    ctype);
	for (i = 0; i <= WIRE_HEADER_LINES; i++)
		headers[i] = hv[i];
	headers[WIRE_HEADER_LINES + 1] = NULL;
	return http_post(url, headers, body, len, u->timeout_s > 0 ?
	    u->timeout_s : 60, r);
}

enum upload_result
uploader_batch(struct uploader *u, struct upload_outcome *o)
{
	struct outbox_batch b;
	struct http_resp r;
	struct wire_ack ack;
	int64_t first, last, acked;
	int rc;

	memset(o, 0, sizeof(*o));
	o->retry_after_s = -1;
	rc = outbox_next(u->store, u->device, 0, ktime_wall_ms(), &b);
	if (rc <= 0) {
		snprintf(o->message, sizeof(o->message), "%s", rc < 0 ?
		    "cannot read the store, or out of memory" : "");
		return o->result = rc < 0 ? UPLOAD_ERROR : UPLOAD_NOTHING;
	}
	first = o->first_seq = b.h.first_seq;
	last = o->last_seq = b.h.last_seq;
	o->count = b.h.count;
	rc = post_signed(u, "/api/v1/batch", &b.h, b.body, b.len,
	    "application/octet-stream", &r);
	outbox_batch_release(&b);
	o->status = r.status;
	o->retry_after_s = r.retry_after_s;
	if (rc != 0 || r.status == 429 || r.status >= 500 || r.status == 0) {
		snprintf(o->message, sizeof(o->message), "%s",
		    rc != 0 ? r.error : r.body ? r.body : "no answer");
		http_resp_release(&r);
		return o->result = UPLOAD_RETRY;
	}
	if (r.status != 200) {
		/* Refused for good: set it aside so the queue goes on. */
		snprintf(o->message, sizeof(o->message), "HTTP %ld: %s",
		    r.status, r.body ? r.body : "");
		http_resp_release(&r);
		if (store_quarantine(u->store, first, last, o->message,
		    ktime_wall_ms()) < 0)
			return o->result = UPLOAD_ERROR;
		log_error("collector refused visits %lld-%lld (%s): set aside "
		    "in quarantine; see kioskctl status", (long long)first,
		    (long long)last, o->message);
		return o->result = UPLOAD_QUARANTINED;
	}
	rc = wire_ack_parse(r.body ? r.body : "", r.len, &ack);
	http_resp_release(&r);
	acked = rc == 0 ? ack.acked_through : -1;
	if (rc == 0)
		wire_ack_release(&ack);
	if (acked < first) {
		snprintf(o->message, sizeof(o->message), "answer without "
		    "acked_through");
		return o->result = UPLOAD_RETRY;
	}
	if (acked > last)
		acked = last;
	/* Marked only now, after the collector's commit, in one
	 * transaction. A crash before this resends the batch, which the
	 * collector recognises. */
	if (store_mark_uploaded(u->store, first, acked, ktime_wall_ms()) < 0)
		return o->result = UPLOAD_ERROR;
	return o->result = UPLOAD_SENT;
}

int
uploader_heartbeat(struct uploader *u, const struct wire_heartbeat *hb)
{
	struct wire_header h;
	struct http_resp r;
	char *json = wire_heartbeat_encode(hb);
	int rc;

	if (json == NULL) {
		log_warn("heartbeat not sent: out of memory");
		return -1;
	}
	memset(&h, 0, sizeof(h));
	memset(&r, 0, sizeof(r));
	snprintf(h.device, sizeof(h.device), "%s", u->device_id);
	snprintf(h.instance, sizeof(h.instance), "%s",
	    store_instance_id(u->store));
	rc = wire_sign(u->device, &h, json, strlen(json), ktime_wall_ms());
	if (rc == 0)
		rc = post_signed(u, "/api/v1/heartbeat", &h, json,
		    strlen(json), "application/json", &r);
	free(json);
	if (rc != 0 || r.status != 200) {
		log_warn("heartbeat not taken: %s", rc != 0 ? (r.error[0] ?
		    r.error : "cannot sign") :
		    r.body ? r.body : "no answer");
		http_resp_release(&r);
		return -1;
	}
	http_resp_release(&r);
	return 0;
}

int64_t
uploader_backoff_ms(int attempt, int64_t retry_after_s, int64_t cap_ms)
{
	int64_t cap = BACKOFF_BASE_MS, wait;

	if (cap_ms <= 0)
		cap_ms = BACKOFF_CAP_MS;
	while (attempt-- > 0 && cap < cap_ms)
		cap *= 2;
	if (cap > cap_ms)
		cap = cap_ms;
	wait = (int64_t)randombytes_uniform((uint32_t)cap + 1);
	if (retry_after_s > 0 && wait < retry_after_s * 1000)
		wait = retry_after_s * 1000;
	return wait;
}
