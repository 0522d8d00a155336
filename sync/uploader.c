/*
 * uploader: signed, idempotent batch upload. See uploader.h.
 */
#include "uploader.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>
#include <sodium.h>

#include "batch.h"
#include "client.h"
#include "ktime.h"
#include "log.h"
#include "store.h"

#define BACKOFF_BASE_MS 2000
#define BACKOFF_CAP_MS (15LL * 60 * 1000)

struct collect {
	json_t *rows;
	size_t bytes;		/* estimate of the JSON size so far */
	int64_t first, last, count;
	char instance[33];
	int mixed;		/* a second instance id: stop the batch */
	int64_t after;		/* only rows past this seq */
};

static int
collect_row(void *arg, const struct store_visit *v)
{
	struct collect *c = arg;
	char *sealed = NULL;
	json_t *o;
	size_t b64;

	if (v->seq <= c->after)
		return 0;
	if (c->count == 0)
		snprintf(c->instance, sizeof(c->instance), "%s",
		    v->instance_id);
	else if (strcmp(c->instance, v->instance_id) != 0)
		return 1;
	if (c->count >= BATCH_MAX_VISITS)
		return 1;
	if (v->sealed != NULL) {
		b64 = sodium_base64_ENCODED_LEN(v->sealed_len,
		    sodium_base64_VARIANT_ORIGINAL);
		sealed = malloc(b64);
		if (sealed == NULL)
			return -1;
		sodium_bin2base64(sealed, b64, v->sealed, v->sealed_len,
		    sodium_base64_VARIANT_ORIGINAL);
	}
	/* Leave room: a row is its fields plus about 200 bytes of JSON. */
	if (c->bytes + (sealed ? strlen(sealed) : 0) + 400 > BATCH_MAX_JSON) {
		free(sealed);
		return 1;
	}
	o = json_pack("{s:I, s:s, s:s, s:s, s:I, s:s, s:I, s:s}",
	    "seq", (json_int_t)v->seq, "kind", v->kind, "subject", v->subject,
	    "direction", v->dir == STORE_OUT ? "out" : "in",
	    "wall_ms", (json_int_t)v->wall_ms, "boot_id", v->boot_id,
	    "mono_ms", (json_int_t)v->mono_ms, "source", v->source);
	if (o == NULL) {
		free(sealed);
		return -1;
	}
	json_object_set_new(o, "sealed", sealed ? json_string(sealed) :
	    json_null());
	c->bytes += (sealed ? strlen(sealed) : 0) + 200;
	free(sealed);
	json_array_append_new(c->rows, o);
	if (c->count == 0)
		c->first = v->seq;
	c->last = v->seq;
	c->count++;
	return 0;
}

int
uploader_sign(const struct uploader *u, struct batch_header *h,
    const void *body, size_t len)
{
	batch_digest(body, len, h->digest);
	h->sent_at_ms = ktime_wall_ms();
	return batch_sign(u->device, h);
}

/* POST BODY to PATH with a signed header H (digest and signature made here). */
static int
post_signed(struct uploader *u, const char *path, struct batch_header *h,
    const void *body, size_t len, const char *ctype, struct http_resp *r)
{
	char url[512], hv[9][160];
	const char *headers[10];
	int i;

	if (uploader_sign(u, h, body, len) != 0)
		return -1;
	snprintf(url, sizeof(url), "%s%s", u->base_url, path);
	snprintf(hv[0], sizeof(hv[0]), "X-Kiosk-Device: %s", h->device);
	snprintf(hv[1], sizeof(hv[1]), "X-Kiosk-Instance: %s", h->instance);
	snprintf(hv[2], sizeof(hv[2]), "X-Kiosk-First-Seq: %lld",
	    (long long)h->first_seq);
	snprintf(hv[3], sizeof(hv[3]), "X-Kiosk-Last-Seq: %lld",
	    (long long)h->last_seq);
	snprintf(hv[4], sizeof(hv[4]), "X-Kiosk-Count: %lld",
	    (long long)h->count);
	snprintf(hv[5], sizeof(hv[5]), "X-Kiosk-Digest: %s", h->digest);
	snprintf(hv[6], sizeof(hv[6]), "X-Kiosk-Sent-At: %lld",
	    (long long)h->sent_at_ms);
	snprintf(hv[7], sizeof(hv[7]), "X-Kiosk-Signature: %s", h->signature);
	snprintf(hv[8], sizeof(hv[8]), "Content-Type: %s", ctype);
	for (i = 0; i < 9; i++)
		headers[i] = hv[i];
	headers[9] = NULL;
	return http_post(url, headers, body, len, u->timeout_s > 0 ?
	    u->timeout_s : 60, r);
}

int
uploader_build(struct uploader *u, int64_t after_seq, struct batch_header *h,
    unsigned char **z, size_t *zlen)
{
	struct collect c;
	json_t *root;
	char *json;
	int rc;

	memset(&c, 0, sizeof(c));
	c.after = after_seq;
	c.rows = json_array();
	rc = store_foreach_visit(u->store, 0, INT64_MAX, 1, collect_row, &c);
	if (rc < 0 || c.count == 0) {
		json_decref(c.rows);
		return rc < 0 ? -1 : 0;
	}
	root = json_pack("{s:o}", "visits", c.rows);
	json = json_dumps(root, JSON_COMPACT);
	json_decref(root);
	if (json == NULL || batch_compress(json, strlen(json), z, zlen) != 0) {
		free(json);
		return -1;
	}
	free(json);
	memset(h, 0, sizeof(*h));
	snprintf(h->device, sizeof(h->device), "%s", u->device_id);
	snprintf(h->instance, sizeof(h->instance), "%s", c.instance);
	h->first_seq = c.first;
	h->last_seq = c.last;
	h->count = c.count;
	return 1;
}

enum upload_result
uploader_batch(struct uploader *u, struct upload_outcome *o)
{
	struct { int64_t first, last; } c;
	struct batch_header h;
	struct http_resp r;
	unsigned char *z = NULL;
	size_t zlen;
	json_t *resp;
	int rc;

	memset(o, 0, sizeof(*o));
	o->retry_after_s = -1;
	rc = uploader_build(u, 0, &h, &z, &zlen);
	if (rc <= 0) {
		snprintf(o->message, sizeof(o->message), "%s", rc < 0 ?
		    "cannot read the store, or out of memory" : "");
		return o->result = rc < 0 ? UPLOAD_ERROR : UPLOAD_NOTHING;
	}
	c.first = o->first_seq = h.first_seq;
	c.last = o->last_seq = h.last_seq;
	o->count = h.count;
	rc = post_signed(u, "/api/v1/batch", &h, z, zlen,
	    "application/octet-stream", &r);
	free(z);
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
		if (store_quarantine(u->store, c.first, c.last, o->message,
		    ktime_wall_ms()) < 0)
			return o->result = UPLOAD_ERROR;
		log_error("collector refused visits %lld-%lld (%s): set aside "
		    "in quarantine; see kioskctl status", (long long)c.first,
		    (long long)c.last, o->message);
		return o->result = UPLOAD_QUARANTINED;
	}
	resp = json_loadb(r.body ? r.body : "", r.len, 0, NULL);
	http_resp_release(&r);
	{
		json_t *a = json_object_get(resp, "acked_through");
		int64_t acked = json_is_integer(a) ? json_integer_value(a) : -1;

		json_decref(resp);
		if (acked < c.first) {
			snprintf(o->message, sizeof(o->message), "answer "
			    "without acked_through");
			return o->result = UPLOAD_RETRY;
		}
		if (acked > c.last)
			acked = c.last;
		/* Marked only now, after the collector's commit, in one
		 * transaction. A crash before this resends the batch, which
		 * the collector recognises. */
		if (store_mark_uploaded(u->store, c.first, acked,
		    ktime_wall_ms()) < 0)
			return o->result = UPLOAD_ERROR;
	}
	return o->result = UPLOAD_SENT;
}

int
uploader_heartbeat(struct uploader *u, const char *json)
{
	struct batch_header h;
	struct http_resp r;
	int rc;

	memset(&h, 0, sizeof(h));
	snprintf(h.device, sizeof(h.device), "%s", u->device_id);
	snprintf(h.instance, sizeof(h.instance), "%s",
	    store_instance_id(u->store));
	rc = post_signed(u, "/api/v1/heartbeat", &h, json, strlen(json),
	    "application/json", &r);
	if (rc != 0 || r.status != 200) {
		log_warn("heartbeat not taken: %s", rc != 0 ? r.error :
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
