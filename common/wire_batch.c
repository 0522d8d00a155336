/*
 * wire_batch: the signed header, batches and their answers. See wire.h.
 */
#include "wire.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>
#include <sodium.h>
#include <zlib.h>

#include "parsenum.h"
#include "wire_json.h"

/* ---- JSON helpers shared by the wire formats (wire_json.h) ---- */

int
wire_json_str(const json_t *o, const char *key, char *dst, size_t size)
{
	const json_t *v = json_object_get(o, key);
	size_t n;

	if (!json_is_string(v))
		return -1;
	n = json_string_length(v);
	if (n >= size || strlen(json_string_value(v)) != n)
		return -1;
	memcpy(dst, json_string_value(v), n + 1);
	return 0;
}

int64_t
wire_json_int(const json_t *o, const char *key, int64_t dflt)
{
	const json_t *v = json_object_get(o, key);

	return json_is_integer(v) ? (int64_t)json_integer_value(v) : dflt;
}

int
wire_json_b64(const json_t *o, const char *key, size_t max,
    unsigned char **out, size_t *len)
{
	const json_t *v = json_object_get(o, key);
	size_t n;

	*out = NULL;
	if (!json_is_string(v) || (n = json_string_length(v)) == 0 || n > max)
		return -1;
	*out = malloc(n);
	if (*out == NULL || sodium_base642bin(*out, n, json_string_value(v),
	    n, NULL, len, NULL, sodium_base64_VARIANT_ORIGINAL) != 0) {
		free(*out);
		*out = NULL;
		return -1;
	}
	return 0;
}

char *
wire_b64(const unsigned char *bin, size_t len)
{
	size_t n = sodium_base64_ENCODED_LEN(len,
	    sodium_base64_VARIANT_ORIGINAL);
	char *s = malloc(n);

	if (s != NULL)
		sodium_bin2base64(s, n, bin, len,
		    sodium_base64_VARIANT_ORIGINAL);
	return s;
}

/* ---- the signed header ---- */

void
wire_digest(const void *body, size_t len, char out[65])
{
	unsigned char h[32];

	crypto_generichash(h, sizeof(h), body, len, NULL, 0);
	sodium_bin2hex(out, 65, h, sizeof(h));
}

static int
signed_text(const struct wire_header *h, char *buf, size_t size)
{
	int r = snprintf(buf, size, "kiosk-batch-v1\n%s\n%s\n%lld\n%lld\n"
	    "%lld\n%s\n%lld", h->device, h->instance, (long long)h->first_seq,
	    (long long)h->last_seq, (long long)h->count, h->digest,
	    (long long)h->sent_at_ms);

	return (r < 0 || (size_t)r >= size) ? -1 : r;
}

int
wire_sign(const struct key_pair *key, struct wire_header *h,
    const void *body, size_t len, int64_t sent_at_ms)
{
	unsigned char sig[crypto_sign_BYTES];
	char text[512];
	int n;

	wire_digest(body, len, h->digest);
	h->sent_at_ms = sent_at_ms;
	n = signed_text(h, text, sizeof(text));
	if (n < 0 || key->type != KEY_ED25519)
		return -1;
	crypto_sign_detached(sig, NULL, (unsigned char *)text, (size_t)n,
	    key->sk);
	sodium_bin2base64(h->signature, sizeof(h->signature), sig, sizeof(sig),
	    sodium_base64_VARIANT_ORIGINAL);
	return 0;
}

int
wire_verify(const unsigned char pk[KEYS_PUB_LEN], const struct wire_header *h)
{
	unsigned char sig[crypto_sign_BYTES];
	char text[512];
	size_t sl;
	int n = signed_text(h, text, sizeof(text));

	if (n < 0 || sodium_base642bin(sig, sizeof(sig), h->signature,
	    strlen(h->signature), NULL, &sl, NULL,
	    sodium_base64_VARIANT_ORIGINAL) != 0 || sl != sizeof(sig))
		return -1;
	return crypto_sign_verify_detached(sig, (unsigned char *)text,
	    (size_t)n, pk) == 0 ? 0 : -1;
}

static const char *const header_names[WIRE_HEADER_LINES] = {
	"X-Kiosk-Device", "X-Kiosk-Instance", "X-Kiosk-First-Seq",
	"X-Kiosk-Last-Seq", "X-Kiosk-Count", "X-Kiosk-Digest",
	"X-Kiosk-Sent-At", "X-Kiosk-Signature"
};

void
wire_header_lines(const struct wire_header *h,
    char out[WIRE_HEADER_LINES][WIRE_HEADER_LINE_MAX])
{
	const char *const *nm = header_names;

	snprintf(out[0], WIRE_HEADER_LINE_MAX, "%s: %s", nm[0], h->device);
	snprintf(out[1], WIRE_HEADER_LINE_MAX, "%s: %s", nm[1], h->instance);
	snprintf(out[2], WIRE_HEADER_LINE_MAX, "%s: %lld", nm[2],
	    (long long)h->first_seq);
	snprintf(out[3], WIRE_HEADER_LINE_MAX, "%s: %lld", nm[3],
	    (long long)h->last_seq);
	snprintf(out[4], WIRE_HEADER_LINE_MAX, "%s: %lld", nm[4],
	    (long long)h->count);
	snprintf(out[5], WIRE_HEADER_LINE_MAX, "%s: %s", nm[5], h->digest);
	snprintf(out[6], WIRE_HEADER_LINE_MAX, "%s: %lld", nm[6],
	    (long long)h->sent_at_ms);
	snprintf(out[7], WIRE_HEADER_LINE_MAX, "%s: %s", nm[7], h->signature);
}

static int
read_str(const char *v, char *dst, size_t size)
{
	size_t n;

	if (v == NULL || (n = strlen(v)) == 0 || n >= size)
		return -1;
	memcpy(dst, v, n + 1);
	return 0;
}

/* Exactly N lower-case hex characters? */
static int
hex(const char *s, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' &&
		    s[i] <= 'f')))
			return 0;
	return s[n] == '\0';
}

int
wire_header_read(struct wire_header *h,
    const char *(*get)(void *ctx, const char *name), void *ctx)
{
	const char *const *nm = header_names;

	memset(h, 0, sizeof(*h));
	if (read_str(get(ctx, nm[0]), h->device, sizeof(h->device)) ||
	    read_str(get(ctx, nm[1]), h->instance, sizeof(h->instance)) ||
	    parsenum(get(ctx, nm[2]), 0, WIRE_MAX_SEQ, &h->first_seq) ||
	    parsenum(get(ctx, nm[3]), 0, WIRE_MAX_SEQ, &h->last_seq) ||
	    parsenum(get(ctx, nm[4]), 0, WIRE_MAX_VISITS, &h->count) ||
	    read_str(get(ctx, nm[5]), h->digest, sizeof(h->digest)) ||
	    parsenum(get(ctx, nm[6]), 1, WIRE_MAX_TIME_MS, &h->sent_at_ms) ||
	    read_str(get(ctx, nm[7]), h->signature, sizeof(h->signature)))
		return -1;
	/* What a kiosk makes: its key's id, a store's instance id (never
	 * "phone", the collector's own), a BLAKE2b digest. */
	if (!hex(h->device, KEYS_ID_LEN) ||
	    !hex(h->instance, WIRE_INSTANCE_LEN) || !hex(h->digest, 64))
		return -1;
	return 0;
}

/* ---- batches ---- */

/* Row V as the JSON object a batch carries, or NULL (out of memory). */
static json_t *
row_json(const struct wire_visit *v)
{
	json_t *o = json_pack("{s:I, s:s, s:s, s:s, s:I, s:s, s:I, s:s}",
	    "seq", (json_int_t)v->seq, "kind", v->kind, "subject", v->subject,
	    "direction", v->direction, "wall_ms", (json_int_t)v->wall_ms,
	    "boot_id", v->boot_id, "mono_ms", (json_int_t)v->mono_ms,
	    "source", v->source);
	char *sealed;

	if (o == NULL)
		return NULL;
	sealed = v->sealed ? wire_b64(v->sealed, v->sealed_len) : NULL;
	if (v->sealed != NULL && sealed == NULL) {
		json_decref(o);
		return NULL;
	}
	json_object_set_new(o, "sealed", sealed ? json_string(sealed) :
	    json_null());
	free(sealed);
	/* Flags only when set: an ordinary row's bytes never change. */
	if (v->clock_untrusted)
		json_object_set_new(o, "clock", json_string("untrusted"));
	if (v->quarantined)
		json_object_set_new(o, "quarantined", json_true());
	return o;
}

size_t
wire_visit_size(const struct wire_visit *v)
{
	json_t *o = row_json(v);
	char *json = o ? json_dumps(o, JSON_COMPACT) : NULL;
	size_t n = json ? strlen(json) : 0;

	json_decref(o);
	if (json != NULL)
		sodium_memzero(json, n);
	free(json);
	return n;
}

int
wire_batch_encode(const struct wire_visit *v, size_t n, unsigned char **z,
    size_t *zlen)
{
	json_t *rows = json_array(), *root;
	char *json = NULL;
	uLongf cap;
	size_t i;
	int rc = -1;

	*z = NULL;
	for (i = 0; i < n && rows != NULL; i++) {
		json_t *o = row_json(&v[i]);

		if (o == NULL)
			goto out;
		json_array_append_new(rows, o);
	}
	root = json_pack("{s:o}", "visits", rows);
	rows = NULL;
	json = root ? json_dumps(root, JSON_COMPACT) : NULL;
	json_decref(root);
	if (json == NULL)
		goto out;
	/* What the collector inflates at most: a batch past it would be
	 * refused, so it is never made. */
	if (strlen(json) > WIRE_MAX_JSON) {
		rc = WIRE_TOO_LARGE;
		goto out;
	}
	cap = compressBound((uLong)strlen(json));
	*z = malloc(cap);
	if (*z == NULL || compress2(*z, &cap, (const Bytef *)json,
	    (uLong)strlen(json), 6) != Z_OK) {
		free(*z);
		*z = NULL;
		goto out;
	}
	*zlen = cap;
	rc = 0;
out:
	json_decref(rows);
	if (json != NULL)
		sodium_memzero(json, strlen(json));
	free(json);
	return rc;
}

/* Inflate at most MAX bytes: 0, -1 not zlib, -2 past MAX (a bomb), -3
 * out of memory here (the batch is not at fault). */
static int
inflate_bounded(const unsigned char *in, size_t len, size_t max, char **out,
    size_t *out_len)
{
	z_stream zs;
	char *buf;
	int rc;

	buf = malloc(max + 1);
	if (buf == NULL)
		return WIRE_BUSY;
	memset(&zs, 0, sizeof(zs));
	if (inflateInit(&zs) != Z_OK) {
		free(buf);
		return WIRE_BUSY;
	}
	zs.next_in = (Bytef *)(uintptr_t)in;
	zs.avail_in = (uInt)len;
	zs.next_out = (Bytef *)buf;
	zs.avail_out = (uInt)max;
	rc = inflate(&zs, Z_FINISH);
	inflateEnd(&zs);
	if (rc == Z_STREAM_END && zs.avail_in == 0) {
		*out_len = zs.total_out;
		buf[*out_len] = '\0';
		*out = buf;
		return 0;
	}
	free(buf);
	/* Output full but input left: it would inflate past MAX. */
	return (rc == Z_BUF_ERROR || rc == Z_OK) && zs.avail_out == 0 ? -2 :
	    -1;
}

static int
one_of(const char *s, const char *const *set)
{
	for (; *set != NULL; set++)
		if (strcmp(s, *set) == 0)
			return 1;
	return 0;
}

/* Subject ids as payload.c makes them: digits, or [A-Za-z0-9_-]. */
static int
valid_subject(const char *kind, const char *s)
{
	size_t n = strlen(s), i;
	int digits = strcmp(kind, "cccd") == 0 || strcmp(kind, "phone") == 0;

	if (n == 0 || n > 63)
		return 0;
	for (i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];

		if (digits ? !isdigit(c) : !isalnum(c) && c != '-' && c != '_')
			return 0;
	}
	if (strcmp(kind, "cccd") == 0 && n != 12)
		return 0;
	if (strcmp(kind, "phone") == 0 && (n != 10 || s[0] != '0'))
		return 0;
	return 1;
}

static const char *
parse_row(json_t *o, const struct wire_header *h, struct wire_visit *v)
{
	static const char *const kinds[] = { "cccd", "pccovid", "pass",
	    "phone", NULL };
	static const char *const dirs[] = { "in", "out", NULL };
	static const char *const sources[] = { "camera", "scanner", "keypad",
	    "phone", NULL };
	json_t *seq = json_object_get(o, "seq"), *w, *m, *sealed, *clock;

	if (!json_is_object(o) || !json_is_integer(seq))
		return "malformed";
	v->seq = json_integer_value(seq);
	if (v->seq < h->first_seq || v->seq > h->last_seq)
		return "seq_outside_batch";
	if (wire_json_str(o, "kind", v->kind, sizeof(v->kind)) != 0 ||
	    !one_of(v->kind, kinds))
		return "unknown_kind";
	if (wire_json_str(o, "subject", v->subject, sizeof(v->subject)) != 0 ||
	    !valid_subject(v->kind, v->subject))
		return "bad_subject";
	if (wire_json_str(o, "direction", v->direction,
	    sizeof(v->direction)) != 0 || !one_of(v->direction, dirs))
		return "bad_direction";
	if (wire_json_str(o, "source", v->source, sizeof(v->source)) != 0 ||
	    !one_of(v->source, sources))
		return "bad_source";
	if (wire_json_str(o, "boot_id", v->boot_id, sizeof(v->boot_id)) != 0)
		return "bad_boot_id";
	w = json_object_get(o, "wall_ms");
	m = json_object_get(o, "mono_ms");
	if (!json_is_integer(w) || !json_is_integer(m))
		return "bad_time";
	/* A time a wrong clock gave is not the visitor's fault: the row is
	 * kept, and the collector decides what time to file it under
	 * (db.c). */
	v->wall_ms = json_integer_value(w);
	v->mono_ms = json_integer_value(m);
	clock = json_object_get(o, "clock");
	if (clock != NULL && !(json_is_string(clock) &&
	    strcmp(json_string_value(clock), "untrusted") == 0))
		return "bad_clock";
	v->clock_untrusted = clock != NULL;
	v->quarantined = json_is_true(json_object_get(o, "quarantined"));
	sealed = json_object_get(o, "sealed");
	if (json_is_string(sealed)) {
		if (json_string_length(sealed) > 8192)
			return "sealed_too_large";
		if (wire_json_b64(o, "sealed", 8192, &v->sealed,
		    &v->sealed_len) != 0 || v->sealed_len < 48)
			return "bad_sealed";
	} else if (!json_is_null(sealed) && sealed != NULL) {
		return "bad_sealed";
	}
	return NULL;
}

int
wire_batch_decode(const unsigned char *z, size_t zlen,
    const struct wire_header *h, int64_t now_ms, struct wire_visit **out,
    size_t *n, char *err, size_t errsize)
{
	json_error_t je;
	json_t *root, *arr, *row;
	struct wire_visit *v;
	size_t i, count, jlen;
	char *json;
	int r;

	*out = NULL;
	*n = 0;
	r = inflate_bounded(z, zlen, WIRE_MAX_JSON, &json, &jlen);
	if (r != 0) {
		snprintf(err, errsize, "%s", r == -2 ? "batch inflates past "
		    "the limit" : r == WIRE_BUSY ? "out of memory: send again" :
		    "body is not zlib-compressed data");
		return r;
	}
	root = json_loadb(json, jlen, JSON_REJECT_DUPLICATES, &je);
	sodium_memzero(json, jlen);
	free(json);
	if (root == NULL) {
		/* jansson says when it ran out of memory: not the batch's
		 * fault, so not a refusal. */
		if (strstr(je.text, "memory") != NULL) {
			snprintf(err, errsize, "out of memory: send again");
			return WIRE_BUSY;
		}
		snprintf(err, errsize, "body is not JSON: %s", je.text);
		return -1;
	}
	arr = json_object_get(root, "visits");
	count = json_array_size(arr);
	if (!json_is_array(arr) || count == 0 || count > WIRE_MAX_VISITS ||
	    (int64_t)count != h->count || h->last_seq < h->first_seq) {
		snprintf(err, errsize, "want {\"visits\":[...]} with the "
		    "header's count (1-%d) and seq range", WIRE_MAX_VISITS);
		json_decref(root);
		return -1;
	}
	v = calloc(count, sizeof(*v));
	if (v == NULL) {
		json_decref(root);
		snprintf(err, errsize, "out of memory: send again");
		return WIRE_BUSY;
	}
	json_array_foreach(arr, i, row)
		v[i].reject = parse_row(row, h, &v[i]);
	json_decref(root);
	*out = v;
	*n = count;
	return 0;
}

void
wire_visits_free(struct wire_visit *v, size_t n)
{
	size_t i;

	if (v == NULL)
		return;
	for (i = 0; i < n; i++)
		free(v[i].sealed);
	free(v);
}

/* ---- the answer ---- */

char *
wire_ack_encode(const struct wire_ack *a)
{
	json_t *rejects = json_array(), *j;
	char *s;
	size_t i;

	for (i = 0; i < a->n_rejects && rejects != NULL; i++)
		json_array_append_new(rejects, json_pack("{s:I, s:s}", "seq",
		    (json_int_t)a->rejects[i].seq, "reason",
		    a->rejects[i].reason));
	j = json_pack("{s:I, s:I, s:I, s:I, s:o}",
	    "acked_through", (json_int_t)a->acked_through,
	    "stored", (json_int_t)a->stored,
	    "duplicates", (json_int_t)a->duplicates,
	    "rejected", (json_int_t)a->rejected, "rejects", rejects);
	s = j ? json_dumps(j, JSON_COMPACT | JSON_PRESERVE_ORDER) : NULL;
	json_decref(j);
	return s;
}

int
wire_ack_parse(const char *json, size_t len, struct wire_ack *a)
{
	json_t *j = json_loadb(json, len, 0, NULL), *r, *e;
	size_t i, k = 0;

	memset(a, 0, sizeof(*a));
	if (!json_is_integer(json_object_get(j, "acked_through"))) {
		json_decref(j);
		return -1;
	}
	a->acked_through = wire_json_int(j, "acked_through", -1);
	a->stored = wire_json_int(j, "stored", 0);
	a->duplicates = wire_json_int(j, "duplicates", 0);
	a->rejected = wire_json_int(j, "rejected", 0);
	r = json_object_get(j, "rejects");
	if (json_array_size(r) > 0 && json_array_size(r) <= WIRE_MAX_VISITS) {
		a->rejects = calloc(json_array_size(r), sizeof(*a->rejects));
		if (a->rejects == NULL) {
			json_decref(j);
			return -1;
		}
		json_array_foreach(r, i, e) {
			if (!json_is_integer(json_object_get(e, "seq")) ||
			    wire_json_str(e, "reason", a->rejects[k].reason,
			    sizeof(a->rejects[k].reason)) != 0)
				continue;
			a->rejects[k++].seq = wire_json_int(e, "seq", 0);
		}
	}
	a->n_rejects = k;
	json_decref(j);
	return 0;
}

void
wire_ack_release(struct wire_ack *a)
{
	free(a->rejects);
	a->rejects = NULL;
	a->n_rejects = 0;
}

/* ---- the refusal ---- */

char *
wire_refusal_encode(const struct wire_refusal *r)
{
	json_t *j = json_pack("{s:s, s:s, s:I, s:I}", "error", r->error,
	    "refused", "batch", "first_seq", (json_int_t)r->first_seq,
	    "last_seq", (json_int_t)r->last_seq);
	char *s = j ? json_dumps(j, JSON_COMPACT | JSON_PRESERVE_ORDER) : NULL;

	json_decref(j);
	return s;
}

int
wire_refusal_parse(const char *json, size_t len, struct wire_refusal *r)
{
	json_t *j = json_loadb(json, len, 0, NULL);
	const char *what = json_string_value(json_object_get(j, "refused"));
	int rc = -1;

	memset(r, 0, sizeof(*r));
	if (what != NULL && strcmp(what, "batch") == 0 &&
	    json_is_integer(json_object_get(j, "first_seq")) &&
	    json_is_integer(json_object_get(j, "last_seq"))) {
		r->first_seq = wire_json_int(j, "first_seq", 0);
		r->last_seq = wire_json_int(j, "last_seq", 0);
		if (wire_json_str(j, "error", r->error, sizeof(r->error)) != 0)
			r->error[0] = '\0';
		rc = r->first_seq <= r->last_seq ? 0 : -1;
	}
	json_decref(j);
	return rc;
}
