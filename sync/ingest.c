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

unsigned
ingest_heartbeat(struct db *db, const char *device, const char *json,
    size_t len, int64_t sent_at_ms, int64_t now_ms, char *why, size_t size)
{
	json_t *j = json_loadb(json, len, JSON_REJECT_DUPLICATES, NULL), *e;
	size_t i;

	if (!json_is_object(j)) {
		json_decref(j);
		snprintf(why, size, "heartbeat is not JSON");
		return 400;
	}
	if (db_heartbeat(db, device, json, sent_at_ms, now_ms) != 0) {
		json_decref(j);
		snprintf(why, size, "storage error");
		return 503;
	}
	json_array_foreach(json_object_get(j, "inspections"), i, e) {
		json_t *at = json_object_get(e, "at_ms");
		const char *id = json_string_value(json_object_get(e,
		    "pass_id"));
		const char *issuer = json_string_value(json_object_get(e,
		    "issuer"));

		/* Only sane ones: a pass id, a time within the last month
		 * and not in the future. */
		if (i >= 200 || !json_is_integer(at) || id == NULL ||
		    issuer == NULL || *id == '\0' || strlen(id) > 64 ||
		    strlen(issuer) > 64 || json_integer_value(at) > now_ms +
		    BATCH_FUTURE_MS || json_integer_value(at) < now_ms -
		    31 * 86400000LL)
			continue;
		if (db_inspection_add(db, device, json_integer_value(at), id,
		    issuer, now_ms) != 0) {
			json_decref(j);
			snprintf(why, size, "storage error");
			return 503;
		}
	}
	json_decref(j);
	return 0;
}
