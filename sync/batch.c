/*
 * batch: the upload wire format. See batch.h.
 */
#include "batch.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>
#include <sodium.h>
#include <zlib.h>

void
batch_digest(const void *body, size_t len, char out[65])
{
	unsigned char h[32];

	crypto_generichash(h, sizeof(h), body, len, NULL, 0);
	sodium_bin2hex(out, 65, h, sizeof(h));
}

static int
signed_text(const struct batch_header *h, char *buf, size_t size)
{
	int r = snprintf(buf, size, "kiosk-batch-v1\n%s\n%s\n%lld\n%lld\n"
	    "%lld\n%s\n%lld", h->device, h->instance, (long long)h->first_seq,
	    (long long)h->last_seq, (long long)h->count, h->digest,
	    (long long)h->sent_at_ms);

	return (r < 0 || (size_t)r >= size) ? -1 : r;
}

int
batch_sign(const struct key_pair *key, struct batch_header *h)
{
	unsigned char sig[crypto_sign_BYTES];
	char text[512];
	int n = signed_text(h, text, sizeof(text));

	if (n < 0 || key->type != KEY_ED25519)
		return -1;
	crypto_sign_detached(sig, NULL, (unsigned char *)text, (size_t)n,
	    key->sk);
	sodium_bin2base64(h->signature, sizeof(h->signature), sig, sizeof(sig),
	    sodium_base64_VARIANT_ORIGINAL);
	return 0;
}

int
batch_verify(const unsigned char pk[KEYS_PUB_LEN],
    const struct batch_header *h)
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
	    (size_t)n, pk);
}

int
batch_compress(const void *in, size_t len, unsigned char **out,
    size_t *out_len)
{
	uLongf cap = compressBound((uLong)len);
	unsigned char *buf = malloc(cap);

	if (buf == NULL)
		return -1;
	if (compress2(buf, &cap, in, (uLong)len, 6) != Z_OK) {
		free(buf);
		return -1;
	}
	*out = buf;
	*out_len = cap;
	return 0;
}

int
batch_inflate(const unsigned char *in, size_t len, size_t max, char **out,
    size_t *out_len)
{
	z_stream zs;
	char *buf;
	int rc;

	buf = malloc(max + 1);
	if (buf == NULL)
		return -1;
	memset(&zs, 0, sizeof(zs));
	if (inflateInit(&zs) != Z_OK) {
		free(buf);
		return -1;
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

void
batch_visits_free(struct batch_visit *v, size_t n)
{
	size_t i;

	if (v == NULL)
		return;
	for (i = 0; i < n; i++)
		free(v[i].sealed);
	free(v);
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

	if (n == 0 || n > 63)
		return 0;
	for (i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];

		if (strcmp(kind, "cccd") == 0 || strcmp(kind, "phone") == 0) {
			if (!isdigit(c))
				return 0;
		} else if (!isalnum(c) && c != '-' && c != '_') {
			return 0;
		}
	}
	if (strcmp(kind, "cccd") == 0 && n != 12)
		return 0;
	if (strcmp(kind, "phone") == 0 && (n != 10 || s[0] != '0'))
		return 0;
	return 1;
}

int
batch_json_str(const json_t *o, const char *key, char *dst, size_t size)
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

static const char *
parse_row(json_t *o, const struct batch_header *h, int64_t now_ms,
    struct batch_visit *v)
{
	static const char *const kinds[] = { "cccd", "pccovid", "pass",
	    "phone", NULL };
	static const char *const dirs[] = { "in", "out", NULL };
	static const char *const sources[] = { "camera", "scanner", "keypad",
	    "phone", NULL };
	json_t *seq = json_object_get(o, "seq"), *w, *m, *sealed;

	if (!json_is_object(o) || !json_is_integer(seq))
		return "malformed";
	v->seq = json_integer_value(seq);
	if (v->seq < h->first_seq || v->seq > h->last_seq)
		return "seq_outside_batch";
	if (batch_json_str(o, "kind", v->kind, sizeof(v->kind)) != 0 ||
	    !one_of(v->kind, kinds))
		return "unknown_kind";
	if (batch_json_str(o, "subject", v->subject, sizeof(v->subject)) != 0 ||
	    !valid_subject(v->kind, v->subject))
		return "bad_subject";
	if (batch_json_str(o, "direction", v->direction, sizeof(v->direction)) != 0
	    || !one_of(v->direction, dirs))
		return "bad_direction";
	if (batch_json_str(o, "source", v->source, sizeof(v->source)) != 0 ||
	    !one_of(v->source, sources))
		return "bad_source";
	if (batch_json_str(o, "boot_id", v->boot_id, sizeof(v->boot_id)) != 0)
		return "bad_boot_id";
	w = json_object_get(o, "wall_ms");
	m = json_object_get(o, "mono_ms");
	if (!json_is_integer(w) || !json_is_integer(m))
		return "bad_time";
	v->wall_ms = json_integer_value(w);
	v->mono_ms = json_integer_value(m);
	if (v->wall_ms <= 0)
		return "bad_time";
	if (v->wall_ms > now_ms + BATCH_FUTURE_MS)
		return "time_in_future";
	sealed = json_object_get(o, "sealed");
	if (json_is_string(sealed)) {
		size_t n = json_string_length(sealed), bl;

		if (n > 8192)
			return "sealed_too_large";
		v->sealed = malloc(n);
		if (v->sealed == NULL || sodium_base642bin(v->sealed, n,
		    json_string_value(sealed), n, NULL, &bl, NULL,
		    sodium_base64_VARIANT_ORIGINAL) != 0 || bl < 48)
			return "bad_sealed";
		v->sealed_len = bl;
	} else if (!json_is_null(sealed) && sealed != NULL) {
		return "bad_sealed";
	}
	return NULL;
}

int
batch_parse(const char *json, size_t len, const struct batch_header *h,
    int64_t now_ms, struct batch_visit **out, size_t *n, char *err,
    size_t errsize)
{
	json_error_t je;
	json_t *root, *arr, *row;
	struct batch_visit *v;
	size_t i, count;

	*out = NULL;
	*n = 0;
	root = json_loadb(json, len, JSON_REJECT_DUPLICATES, &je);
	if (root == NULL) {
		snprintf(err, errsize, "body is not JSON: %s", je.text);
		return -1;
	}
	arr = json_object_get(root, "visits");
	count = json_array_size(arr);
	if (!json_is_array(arr) || count == 0 ||
	    count > BATCH_MAX_VISITS || (int64_t)count != h->count ||
	    h->last_seq < h->first_seq) {
		snprintf(err, errsize, "want {\"visits\":[...]} with the "
		    "header's count (1-%d) and seq range", BATCH_MAX_VISITS);
		json_decref(root);
		return -1;
	}
	v = calloc(count, sizeof(*v));
	if (v == NULL) {
		json_decref(root);
		snprintf(err, errsize, "out of memory");
		return -1;
	}
	json_array_foreach(arr, i, row)
		v[i].reject = parse_row(row, h, now_ms, &v[i]);
	json_decref(root);
	*out = v;
	*n = count;
	return 0;
}
