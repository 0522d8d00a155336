/*
 * uploader: signed, idempotent batch upload. See uploader.h.
 */
#include "uploader.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

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

/* POST the JSON BODY to PATH signed as this device and instance, "now"
 * in the collector's time as far as it said (a heartbeat's, the pass
 * list's request); its answer into *R. 0, or -1 (R's error says why, or
 * "" when it could not be signed). */
static int
post_small(struct uploader *u, const char *path, const char *body,
    struct http_resp *r)
{
	struct wire_header h;

	memset(&h, 0, sizeof(h));
	memset(r, 0, sizeof(*r));
	snprintf(h.device, sizeof(h.device), "%s", u->device_id);
	snprintf(h.instance, sizeof(h.instance), "%s",
	    store_instance_id(u->store));
	if (wire_sign(u->device, &h, body, strlen(body), ktime_wall_ms() +
	    u->hb_offset_ms) != 0)
		return -1;
	return post_signed(u, path, &h, body, strlen(body),
	    "application/json", r);
}

/*
 * The collector's own refusal of a whole batch: its JSON error with
 * "refused":"batch" and the seq range it names (docs/sync.md). Anything
 * else that is not a 200 (a redirect, a proxy's or a portal's page, 401,
 * 403, 404, 407, 408, 429, 5xx) is the network's fault, or a state that
 * can change: never a reason to set visits aside.
 */
static int
batch_refused(const struct http_resp *r, int64_t *first, int64_t *last)
{
	struct wire_refusal rf;

	if (r->status != WIRE_REFUSED_STATUS || r->body == NULL ||
	    wire_refusal_parse(r->body, r->len, &rf) != 0)
		return 0;
	*first = rf.first_seq;
	*last = rf.last_seq;
	return 1;
}

/* Set aside the visits of B in [FIRST, LAST] (all: the batch's range). */
static int
set_aside(struct uploader *u, const struct outbox_batch *b, int64_t first,
    int64_t last, const char *why)
{
	const char **reasons = calloc(b->n, sizeof(*reasons));
	int64_t *seqs = calloc(b->n, sizeof(*seqs));
	size_t i, k = 0;
	int64_t n;

	if (reasons == NULL || seqs == NULL) {
		free(reasons);
		free(seqs);
		return -1;
	}
	for (i = 0; i < b->n; i++)
		if (b->wire_seqs[i] >= first && b->wire_seqs[i] <= last) {
			seqs[k] = b->seqs[i];
			reasons[k++] = why;
		}
	n = store_quarantine(u->store, seqs, reasons, k, ktime_wall_ms());
	free(reasons);
	free(seqs);
	return n < 0 ? -1 : 0;
}

/* The collector's reason for a row it holds another visit under. */
#define SEQ_REUSED "seq_reused"

/*
 * The collector took the batch: mark every row it did not refuse
 * uploaded, and set aside the ones it refused (with its reasons), in the
 * store, as kept and visible problems. Rows refused as seq_reused (the
 * collector holds another visit under their number: this store was
 * rolled back) are neither: the store moves them, and every later one,
 * to a new instance id, and they go again.
 */
static int
acknowledged(struct uploader *u, const struct outbox_batch *b,
    const struct wire_ack *ack, struct upload_outcome *o)
{
	int64_t *ok = calloc(b->n ? b->n : 1, sizeof(*ok));
	int64_t *bad = calloc(ack->n_rejects + 1, sizeof(*bad));
	int64_t *again = calloc(ack->n_rejects + 1, sizeof(*again));
	const char **why = calloc(ack->n_rejects + 1, sizeof(*why));
	size_t i, j, nok = 0, nbad = 0, nagain = 0;
	int64_t renewed = 0;
	int rc = -1;

	if (ok == NULL || bad == NULL || again == NULL || why == NULL)
		goto out;
	for (i = 0; i < b->n; i++) {
		const char *refused = NULL;

		for (j = 0; j < ack->n_rejects && refused == NULL; j++)
			if (ack->rejects[j].seq == b->wire_seqs[i])
				refused = ack->rejects[j].reason;
		if (refused != NULL && strcmp(refused, SEQ_REUSED) == 0) {
			again[nagain++] = b->seqs[i];
		} else if (refused != NULL) {
			bad[nbad] = b->seqs[i];
			why[nbad++] = refused;
		} else if (b->wire_seqs[i] <= ack->acked_through) {
			ok[nok++] = b->seqs[i];
		}
	}
	/* Marked only now, after the collector's commit. A crash before
	 * this resends the batch, which the collector recognises. */
	if ((nbad > 0 && store_quarantine(u->store, bad, why, nbad,
	    ktime_wall_ms()) < 0) || store_mark_uploaded(u->store, ok, nok,
	    ktime_wall_ms()) < 0)
		goto out;
	if (nagain > 0 && (renewed = store_new_instance(u->store, again,
	    nagain)) < 0)
		goto out;
	o->refused = (int64_t)nbad;
	o->renewed = renewed;
	if (nbad > 0)
		log_error("the collector refused %zu of visits %lld-%lld (the "
		    "first: seq %lld, %s): kept and set aside; see kioskctl "
		    "quarantine list", nbad, (long long)b->h.first_seq,
		    (long long)b->h.last_seq, (long long)bad[0], why[0]);
	rc = 0;
out:
	free(ok);
	free(bad);
	free(again);
	free(why);
	return rc;
}

enum upload_result
uploader_answer(struct uploader *u, const struct outbox_batch *b,
    int answered, const struct http_resp *r, struct upload_outcome *o)
{
	struct wire_ack ack;
	int64_t first = b->h.first_seq, last = b->h.last_seq;
	int rc;

	o->first_seq = first;
	o->last_seq = last;
	o->count = b->h.count;
	o->status = answered ? r->status : 0;
	o->retry_after_s = answered ? r->retry_after_s : -1;
	if (!answered)
		snprintf(o->message, sizeof(o->message), "%s", r->error);
	else
		snprintf(o->message, sizeof(o->message), "HTTP %ld: %.200s",
		    r->status, r->body ? r->body : "");
	if (answered && r->status == 200 && wire_ack_parse(r->body ? r->body :
	    "", r->len, &ack) == 0) {
		if (ack.acked_through < first) {
			wire_ack_release(&ack);
			goto retry;
		}
		rc = acknowledged(u, b, &ack, o);
		wire_ack_release(&ack);
		if (rc != 0)
			return o->result = UPLOAD_ERROR;
		(void)store_sync_note(u->store, o->refused ? STORE_SYNC_REFUSED :
		    STORE_SYNC_OK, 200, o->refused ? "some visits were refused" :
		    o->renewed ? "this store was rolled back: its visits go "
		    "again under a new instance id" : "", 0);
		/* Acknowledged: batches may grow again after a split. */
		if (u->max_rows > 0 && (u->max_rows *= 2) >= WIRE_MAX_VISITS)
			u->max_rows = 0;
		return o->result = UPLOAD_SENT;
	}
	if (answered && batch_refused(r, &first, &last)) {
		/* The collector's explicit word: this batch can never be
		 * taken. Several rows: sent again in halves (a batch too
		 * large, or one bad row among good ones), never set aside
		 * whole. One row: set aside. */
		if (b->n > 1) {
			u->max_rows = b->n / 2;
			log_warn("the collector refused visits %lld-%lld as a "
			    "batch (%s): sending them %zu at a time",
			    (long long)b->h.first_seq, (long long)b->h.last_seq,
			    o->message, u->max_rows);
			return o->result = UPLOAD_SPLIT;
		}
		if (set_aside(u, b, first, last, o->message) != 0)
			return o->result = UPLOAD_ERROR;
		(void)store_sync_note(u->store, STORE_SYNC_REFUSED, o->status,
		    o->message, 0);
		log_error("the collector refused visit %lld for good (%s): set "
		    "aside; see kioskctl quarantine list",
		    (long long)b->h.first_seq, o->message);
		return o->result = UPLOAD_QUARANTINED;
	}
retry:
	(void)store_sync_note(u->store, o->status == 401 ?
	    STORE_SYNC_NOT_ENROLLED : o->status == 403 ?
	    STORE_SYNC_ENROLMENT_REFUSED : STORE_SYNC_RETRY, o->status,
	    o->message, 0);
	if (o->status == 401 || o->status == 403)
		log_error("the collector %s this kiosk (%s): ask the ward to "
		    "enrol it again (kioskctl enroll); its visits are kept",
		    o->status == 401 ? "does not know" : "refused", o->message);
	return o->result = UPLOAD_RETRY;
}

enum upload_result
uploader_batch(struct uploader *u, struct upload_outcome *o)
{
	struct outbox_batch b;
	struct http_resp r;
	enum upload_result res;
	int rc;

	memset(o, 0, sizeof(*o));
	o->retry_after_s = -1;
	rc = outbox_next(u->store, u->device, 0, u->max_rows, ktime_wall_ms(),
	    &b);
	if (rc <= 0) {
		o->held = (int64_t)b.held;
		snprintf(o->message, sizeof(o->message), "%s", rc < 0 ?
		    "cannot read the store, or out of memory" : "");
		return o->result = rc < 0 ? UPLOAD_ERROR : UPLOAD_NOTHING;
	}
	rc = post_signed(u, "/api/v1/batch", &b.h, b.body, b.len,
	    "application/octet-stream", &r);
	res = uploader_answer(u, &b, rc == 0, &r, o);
	http_resp_release(&r);
	outbox_batch_release(&b);
	return res;
}

int
uploader_heartbeat(struct uploader *u, const struct wire_heartbeat *hb)
{
	struct wire_hb_refusal rf;
	struct http_resp r;
	char *json = wire_heartbeat_encode(hb);
	int rc, tries = 0;

	if (json == NULL) {
		log_warn("heartbeat not sent: out of memory");
		return -1;
	}
again:
	rc = post_small(u, "/api/v1/heartbeat", json, &r);
	if (rc == 0 && r.status == WIRE_HEARTBEAT_STATUS && tries++ == 0 &&
	    wire_hb_refusal_parse(r.body ? r.body : "", r.len, &rf) == 0 &&
	    strcmp(rf.why, "stale") == 0) {
		/* Our clock is off: say "now" in the collector's time. */
		u->hb_offset_ms = rf.collector_ms - ktime_wall_ms();
		log_warn("this kiosk's clock is %lld s off the collector's: "
		    "heartbeats carry the collector's time",
		    (long long)(u->hb_offset_ms / 1000));
		http_resp_release(&r);
		goto again;
	}
	free(json);
	if (rc != 0 || r.status != 200) {
		log_warn("heartbeat not taken: %s", rc != 0 ? (r.error[0] ?
		    r.error : "cannot sign") :
		    r.body ? r.body : "no answer");
		(void)store_sync_note(u->store, r.status == 401 ?
		    STORE_SYNC_NOT_ENROLLED : r.status == 403 ?
		    STORE_SYNC_ENROLMENT_REFUSED : STORE_SYNC_RETRY, r.status,
		    rc != 0 ? r.error : r.body, 1);
		http_resp_release(&r);
		return -1;
	}
	{
		/* The pass lists' version (a collector from before says
		 * none). */
		json_t *o = json_loadb(r.body ? r.body : "", r.len, 0, NULL);
		json_t *v = json_object_get(o, "pass_list_version");

		u->pass_list_version = json_is_integer(v) ?
		    (int64_t)json_integer_value(v) : -1;
		json_decref(o);
	}
	http_resp_release(&r);
	(void)store_sync_note(u->store, STORE_SYNC_OK, 200, "", 1);
	return 0;
}

int
uploader_pass_list(struct uploader *u, char **text)
{
	static const char body[] = "{}";
	struct http_resp r;
	json_t *o, *v;
	int rc;

	*text = NULL;
	rc = post_small(u, "/api/v1/pass-list", body, &r);
	if (rc != 0 || r.status != 200) {
		log_warn("the ward's pass list was not fetched: %s", rc != 0 ?
		    (r.error[0] ? r.error : "cannot sign") : r.body ? r.body :
		    "no answer");
		http_resp_release(&r);
		return -1;
	}
	o = json_loadb(r.body ? r.body : "", r.len, 0, NULL);
	v = json_object_get(o, "pass_list");
	if (json_is_string(v))
		*text = strdup(json_string_value(v));
	json_decref(o);
	http_resp_release(&r);
	if (*text == NULL) {
		log_warn("the collector's answer for the pass list is not one");
		return -1;
	}
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
