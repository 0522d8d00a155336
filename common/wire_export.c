/*
 * wire_export: seal and open the USB export. See wire.h.
 */
#include "wire.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>
#include <sodium.h>

#include "dynbuf.h"
#include "seal.h"
#include "wire_json.h"

static const char magic[] = "kiosk-sealed-export-v1\n";

int
wire_export_add(struct wire_export *x, const struct wire_header *h,
    const unsigned char *body, size_t len)
{
	struct wire_export_batch *b;

	if (dynbuf_grow(&x->b, &x->cap, x->n + 1, sizeof(*x->b),
	    1u << 20) != 0)
		return -1;
	b = &x->b[x->n];
	b->body = malloc(len ? len : 1);
	if (b->body == NULL)
		return -1;
	memcpy(b->body, body, len);
	b->len = len;
	b->h = *h;
	x->n++;
	return 0;
}

void
wire_export_release(struct wire_export *x)
{
	size_t i;

	for (i = 0; i < x->n; i++)
		free(x->b[i].body);
	free(x->b);
	x->b = NULL;
	x->n = x->cap = 0;
}

/* X's inner JSON text, or NULL when out of memory. */
static char *
inner_json(const struct wire_export *x)
{
	json_t *batches = json_array(), *root;
	char pub[KEYS_PUB_TEXT], *s;
	size_t i;

	if (batches == NULL || keys_format_public(KEY_ED25519, x->dev.pk, pub,
	    sizeof(pub)) != 0) {
		json_decref(batches);
		return NULL;
	}
	for (i = 0; i < x->n; i++) {
		const struct wire_header *h = &x->b[i].h;
		char *zb = wire_b64(x->b[i].body, x->b[i].len);
		json_t *b = zb ? json_pack("{s:s, s:I, s:I, s:I, s:s, s:I, s:s, "
		    "s:s}", "instance", h->instance, "first_seq",
		    (json_int_t)h->first_seq, "last_seq", (json_int_t)h->last_seq,
		    "count", (json_int_t)h->count, "digest", h->digest,
		    "sent_at_ms", (json_int_t)h->sent_at_ms, "signature",
		    h->signature, "body", zb) : NULL;

		free(zb);
		/* Never a stick with a batch silently left out. */
		if (b == NULL || json_array_append_new(batches, b) != 0) {
			json_decref(batches);
			return NULL;
		}
	}
	root = json_pack("{s:s, s:I, s:{s:s, s:s, s:s, s:s, s:s, s:s}, s:o}",
	    "format", "kiosk-export-v1", "created_ms",
	    (json_int_t)x->created_ms, "device", "id", x->dev.device_id, "pub",
	    pub, "venue_id", x->dev.venue_id, "venue_name", x->dev.venue_name,
	    "address", x->dev.address, "ward", x->dev.ward, "batches", batches);
	s = root ? json_dumps(root, JSON_COMPACT) : NULL;
	json_decref(root);
	return s;
}

char *
wire_export_seal(const struct wire_export *x,
    const unsigned char pk[KEYS_PUB_LEN], size_t *out_len)
{
	size_t blen, b64len, mlen = sizeof(magic) - 1;
	char *inner = inner_json(x), *file = NULL;
	unsigned char *box;

	if (inner == NULL)
		return NULL;
	box = seal_box(pk, inner, strlen(inner), &blen);
	sodium_memzero(inner, strlen(inner));
	free(inner);
	if (box == NULL)
		return NULL;
	b64len = sodium_base64_ENCODED_LEN(blen,
	    sodium_base64_VARIANT_ORIGINAL);
	file = malloc(mlen + b64len + 2);
	if (file != NULL) {
		memcpy(file, magic, mlen);
		sodium_bin2base64(file + mlen, b64len, box, blen,
		    sodium_base64_VARIANT_ORIGINAL);
		*out_len = strlen(file);
		file[(*out_len)++] = '\n';
		file[*out_len] = '\0';
	}
	free(box);
	return file;
}

static int
read_device(const json_t *dj, struct wire_device *dev, const char **why)
{
	char pub[128], id[KEYS_ID_LEN + 1];

	memset(dev, 0, sizeof(*dev));
	if (wire_json_str(dj, "id", dev->device_id, sizeof(dev->device_id)) ||
	    wire_json_str(dj, "pub", pub, sizeof(pub)) ||
	    wire_json_str(dj, "venue_id", dev->venue_id,
	    sizeof(dev->venue_id)) ||
	    wire_json_str(dj, "venue_name", dev->venue_name,
	    sizeof(dev->venue_name)) ||
	    wire_json_str(dj, "address", dev->address, sizeof(dev->address)) ||
	    wire_json_str(dj, "ward", dev->ward, sizeof(dev->ward))) {
		*why = "its device is missing a field, or one is too long";
		return -1;
	}
	if (keys_parse_public(pub, KEY_ED25519, dev->pk) != 0) {
		*why = "its device key is malformed";
		return -1;
	}
	keys_id(dev->pk, id);
	if (strcmp(id, dev->device_id) != 0) {
		*why = "its device id does not match its key";
		return -1;
	}
	return 0;
}

static int
read_batch(const json_t *b, const char *device_id,
    struct wire_export_batch *out, const char **why)
{
	struct wire_header *h = &out->h;

	memset(out, 0, sizeof(*out));
	snprintf(h->device, sizeof(h->device), "%s", device_id);
	if (wire_json_str(b, "instance", h->instance, sizeof(h->instance)) ||
	    wire_json_str(b, "digest", h->digest, sizeof(h->digest)) ||
	    wire_json_str(b, "signature", h->signature,
	    sizeof(h->signature)) ||
	    json_unpack((json_t *)b, "{s:I, s:I, s:I, s:I}", "first_seq",
	    &h->first_seq, "last_seq", &h->last_seq, "count", &h->count,
	    "sent_at_ms", &h->sent_at_ms) != 0) {
		*why = "a batch is malformed";
		return -1;
	}
	if (wire_json_b64(b, "body", 2 * WIRE_MAX_BODY, &out->body,
	    &out->len) != 0) {
		*why = "a batch's body is damaged or too large";
		return -1;
	}
	return 0;
}

int
wire_export_open(const char *text, size_t len,
    const struct key_pair *authority, struct wire_export *x,
    const char **why)
{
	size_t mlen = sizeof(magic) - 1, blen, ilen, i;
	unsigned char *box;
	char *inner;
	const char *format;
	json_t *j, *b;
	int rc = -1;

	memset(x, 0, sizeof(*x));
	if (len < mlen || memcmp(text, magic, mlen) != 0) {
		*why = "not a sealed kiosk export (kioskctl export --sealed)";
		return -1;
	}
	box = malloc(len);
	if (box == NULL || sodium_base642bin(box, len, text + mlen, len - mlen,
	    "\r\n", &blen, NULL, sodium_base64_VARIANT_ORIGINAL) != 0) {
		free(box);
		*why = "damaged (not base64)";
		return -1;
	}
	inner = seal_open(authority, box, blen, &ilen);
	free(box);
	if (inner == NULL) {
		*why = "not sealed to this authority key, or altered";
		return -1;
	}
	j = json_loadb(inner, ilen, JSON_REJECT_DUPLICATES, NULL);
	sodium_memzero(inner, ilen);
	free(inner);
	format = json_string_value(json_object_get(j, "format"));
	if (format == NULL || strcmp(format, "kiosk-export-v1") != 0 ||
	    !json_is_object(json_object_get(j, "device")) ||
	    !json_is_array(json_object_get(j, "batches"))) {
		*why = "opened, but not a kiosk-export-v1";
		goto out;
	}
	x->created_ms = wire_json_int(j, "created_ms", 0);
	if (read_device(json_object_get(j, "device"), &x->dev, why) != 0)
		goto out;
	json_array_foreach(json_object_get(j, "batches"), i, b) {
		struct wire_export_batch one;

		if (read_batch(b, x->dev.device_id, &one, why) != 0)
			goto out;
		if (wire_export_add(x, &one.h, one.body, one.len) != 0) {
			free(one.body);
			*why = "out of memory";
			goto out;
		}
		free(one.body);
	}
	rc = 0;
out:
	json_decref(j);
	if (rc != 0)
		wire_export_release(x);
	return rc;
}
