/*
 * ingest: verify and store one signed batch. See ingest.h.
 */
#include "ingest.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "keys.h"

unsigned
ingest_verify(struct db *db, const struct batch_header *h, const void *body,
    size_t len, char *why, size_t size)
{
	unsigned char pk[KEYS_PUB_LEN];
	char digest[65];
	int r;

	batch_digest(body, len, digest);
	if (strcmp(digest, h->digest) != 0) {
		snprintf(why, size, "body digest does not match X-Kiosk-Digest");
		return 400;
	}
	r = db_device_key(db, h->device, pk);
	if (r != 0) {
		snprintf(why, size, "%s", r < 0 ? "storage error" :
		    "unknown device: enrol it first");
		return r < 0 ? 503 : 401;
	}
	if (batch_verify(pk, h) != 0) {
		snprintf(why, size, "bad signature");
		return 401;
	}
	return 0;
}

unsigned
ingest_signed(struct db *db, const struct batch_header *h, const void *body,
    size_t len, int64_t now_ms, struct db_ingest_res *res, json_t **rejects,
    char *why, size_t size)
{
	struct batch_visit *v = NULL;
	char *json = NULL;
	size_t n = 0, jlen, i;
	unsigned st;
	int r;

	*rejects = NULL;
	if ((st = ingest_verify(db, h, body, len, why, size)) != 0)
		return st;
	r = batch_inflate(body, len, BATCH_MAX_JSON, &json, &jlen);
	if (r != 0) {
		snprintf(why, size, "%s", r == -2 ? "batch inflates past the "
		    "limit" : "body is not zlib-compressed data");
		return r == -2 ? 413 : 400;
	}
	if (batch_parse(json, jlen, h, now_ms, &v, &n, why, size) != 0) {
		free(json);
		return 400;
	}
	free(json);
	if (db_ingest(db, h, v, n, now_ms, res) != 0) {
		batch_visits_free(v, n);
		snprintf(why, size, "storage error: nothing stored, send again");
		return 503;
	}
	*rejects = json_array();
	for (i = 0; i < n; i++)
		if (v[i].reject != NULL)
			json_array_append_new(*rejects, json_pack("{s:I, s:s}",
			    "seq", (json_int_t)v[i].seq, "reason",
			    v[i].reject));
	batch_visits_free(v, n);
	return 0;
}
