/*
 * export_file: seal and open the USB export. See export_file.h.
 */
#include "export_file.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "seal.h"

static const char magic[] = "kiosk-sealed-export-v1\n";

char *
export_seal(const char *inner, const unsigned char pk[KEYS_PUB_LEN],
    size_t *out_len)
{
	size_t blen, b64len, mlen = sizeof(magic) - 1;
	unsigned char *box = seal_box(pk, inner, strlen(inner), &blen);
	char *file = NULL;

	if (box == NULL)
		return NULL;
	b64len = sodium_base64_ENCODED_LEN(blen,
	    sodium_base64_VARIANT_ORIGINAL);
	file = malloc(mlen + b64len + 1);
	if (file != NULL) {
		memcpy(file, magic, mlen);
		sodium_bin2base64(file + mlen, b64len, box, blen,
		    sodium_base64_VARIANT_ORIGINAL);
		*out_len = strlen(file);
		file[(*out_len)++] = '\n';
	}
	free(box);
	return file;
}

json_t *
export_open(const char *text, size_t len, const struct key_pair *authority,
    const char **why)
{
	size_t mlen = sizeof(magic) - 1, blen, ilen;
	unsigned char *box;
	char *inner;
	const char *format;
	json_t *j;

	if (len < mlen || memcmp(text, magic, mlen) != 0) {
		*why = "not a sealed kiosk export (kioskctl export --sealed)";
		return NULL;
	}
	box = malloc(len);
	if (box == NULL || sodium_base642bin(box, len, text + mlen, len - mlen,
	    "\r\n", &blen, NULL, sodium_base64_VARIANT_ORIGINAL) != 0) {
		free(box);
		*why = "damaged (not base64)";
		return NULL;
	}
	inner = seal_open(authority, box, blen, &ilen);
	free(box);
	if (inner == NULL) {
		*why = "not sealed to this authority key, or altered";
		return NULL;
	}
	j = json_loadb(inner, ilen, JSON_REJECT_DUPLICATES, NULL);
	sodium_memzero(inner, ilen);
	free(inner);
	format = json_string_value(json_object_get(j, "format"));
	if (format == NULL || strcmp(format, "kiosk-export-v1") != 0 ||
	    !json_is_object(json_object_get(j, "device")) ||
	    !json_is_array(json_object_get(j, "batches"))) {
		json_decref(j);
		*why = "opened, but not a kiosk-export-v1";
		return NULL;
	}
	return j;
}

int
export_device(const json_t *dj, struct db_device *dev, const char **why)
{
	char pub[128], id[KEYS_ID_LEN + 1];

	memset(dev, 0, sizeof(*dev));
	if (batch_json_str(dj, "id", dev->device_id, sizeof(dev->device_id)) ||
	    batch_json_str(dj, "pub", pub, sizeof(pub)) ||
	    batch_json_str(dj, "venue_id", dev->venue_id, sizeof(dev->venue_id)) ||
	    batch_json_str(dj, "venue_name", dev->venue_name,
	    sizeof(dev->venue_name)) ||
	    batch_json_str(dj, "address", dev->address, sizeof(dev->address)) ||
	    batch_json_str(dj, "ward", dev->ward, sizeof(dev->ward))) {
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

int
export_batch(const json_t *b, const char *device_id, struct batch_header *h,
    unsigned char **z, size_t *zlen, const char **why)
{
	const json_t *body = json_object_get(b, "body");
	size_t blen;

	*z = NULL;
	memset(h, 0, sizeof(*h));
	snprintf(h->device, sizeof(h->device), "%s", device_id);
	if (batch_json_str(b, "instance", h->instance, sizeof(h->instance)) ||
	    batch_json_str(b, "digest", h->digest, sizeof(h->digest)) ||
	    batch_json_str(b, "signature", h->signature, sizeof(h->signature)) ||
	    json_unpack((json_t *)b, "{s:I, s:I, s:I, s:I}", "first_seq",
	    &h->first_seq, "last_seq", &h->last_seq, "count", &h->count,
	    "sent_at_ms", &h->sent_at_ms) != 0 || !json_is_string(body) ||
	    json_string_length(body) == 0) {
		*why = "a batch is malformed";
		return -1;
	}
	blen = json_string_length(body);
	if (blen > 2 * BATCH_MAX_BODY || (*z = malloc(blen + 1)) == NULL ||
	    sodium_base642bin(*z, blen + 1, json_string_value(body), blen,
	    NULL, zlen, NULL, sodium_base64_VARIANT_ORIGINAL) != 0) {
		free(*z);
		*z = NULL;
		*why = "a batch's body is damaged or too large";
		return -1;
	}
	return 0;
}
