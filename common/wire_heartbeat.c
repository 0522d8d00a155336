/*
 * wire_heartbeat: heartbeats and enrolment requests. See wire.h.
 */
#include "wire.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>
#include <sodium.h>

#include "hours.h"
#include "termtext.h"
#include "wire_json.h"

#define MONTH_MS (31 * 86400000LL)

/* The integer member KEY of O when in [LO, HI], else DFLT. */
static int64_t
bounded(const json_t *o, const char *key, int64_t lo, int64_t hi,
    int64_t dflt)
{
	int64_t v = wire_json_int(o, key, dflt);

	return v >= lo && v <= hi ? v : dflt;
}

char *
wire_heartbeat_encode(const struct wire_heartbeat *hb)
{
	json_t *list = json_array(), *j;
	char *s;
	size_t i;

	for (i = 0; i < hb->n_inspections && list != NULL; i++)
		json_array_append_new(list, json_pack("{s:I, s:s, s:s}",
		    "at_ms", (json_int_t)hb->inspections[i].at_ms, "pass_id",
		    hb->inspections[i].pass_id, "issuer",
		    hb->inspections[i].issuer));
	j = json_pack("{s:s, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:o}",
	    "version", hb->version, "uptime_s", (json_int_t)hb->uptime_s,
	    "backlog", (json_int_t)hb->backlog,
	    "quarantined", (json_int_t)hb->quarantined,
	    "last_scan_ms", (json_int_t)hb->last_scan_ms,
	    "disk_free", (json_int_t)hb->disk_free,
	    "inspections_24h", (json_int_t)hb->inspections_24h,
	    "last_inspection_ms", (json_int_t)hb->last_inspection_ms,
	    "inspections", list);
	if (j != NULL && hb->hours[0] != '\0')
		json_object_set_new(j, "hours", json_string(hb->hours));
	if (j != NULL && hb->have_utc_offset)
		json_object_set_new(j, "utc_offset_min",
		    json_integer(hb->utc_offset_min));
	s = j ? json_dumps(j, JSON_COMPACT) : NULL;
	json_decref(j);
	return s;
}

int
wire_heartbeat_parse(const char *json, size_t len, int64_t now_ms,
    struct wire_heartbeat *hb, char *err, size_t errsize)
{
	json_t *j = json_loadb(json, len, JSON_REJECT_DUPLICATES, NULL), *a, *e;
	size_t i;

	memset(hb, 0, sizeof(*hb));
	if (!json_is_object(j)) {
		json_decref(j);
		snprintf(err, errsize, "heartbeat is not JSON");
		return -1;
	}
	if (wire_json_str(j, "version", hb->version, sizeof(hb->version)))
		hb->version[0] = '\0';
	/* Every number within what a kiosk can say; else unknown. */
	hb->uptime_s = bounded(j, "uptime_s", 0, 100LL * 365 * 86400, 0);
	hb->backlog = bounded(j, "backlog", 0, WIRE_MAX_SEQ, -1);
	hb->quarantined = bounded(j, "quarantined", 0, WIRE_MAX_SEQ, 0);
	hb->last_scan_ms = bounded(j, "last_scan_ms", 0, now_ms +
	    WIRE_FUTURE_MS, 0);
	hb->disk_free = bounded(j, "disk_free", 0, INT64_C(1) << 60, 0);
	hb->inspections_24h = bounded(j, "inspections_24h", 0, 1000000, -1);
	hb->last_inspection_ms = bounded(j, "last_inspection_ms", 0, now_ms +
	    WIRE_FUTURE_MS, 0);
	{
		struct hours h;
		const char *why;

		/* Hours a kiosk cannot have said are no hours: always. */
		if (wire_json_str(j, "hours", hb->hours, sizeof(hb->hours)) ||
		    hours_parse(hb->hours, &h, &why) != 0)
			hb->hours[0] = '\0';
	}
	/* UTC-12 to UTC+14: a time zone; else not said. */
	hb->utc_offset_min = (int)bounded(j, "utc_offset_min", -720, 840,
	    INT32_MIN);
	hb->have_utc_offset = hb->utc_offset_min != INT32_MIN;
	if (!hb->have_utc_offset)
		hb->utc_offset_min = 0;
	a = json_object_get(j, "inspections");
	if (json_array_size(a) > 0) {
		hb->inspections = calloc(json_array_size(a) <
		    WIRE_MAX_INSPECTIONS ? json_array_size(a) :
		    WIRE_MAX_INSPECTIONS, sizeof(*hb->inspections));
		if (hb->inspections == NULL) {
			json_decref(j);
			snprintf(err, errsize, "out of memory");
			return -1;
		}
	}
	json_array_foreach(a, i, e) {
		struct wire_inspection *x = &hb->inspections[hb->n_inspections];
		int64_t at = wire_json_int(e, "at_ms", INT64_MIN);

		/* Only sane ones: a pass id, a time within the last month
		 * and not in the future. */
		if (i >= WIRE_MAX_INSPECTIONS)
			break;
		if (wire_json_str(e, "pass_id", x->pass_id,
		    sizeof(x->pass_id)) != 0 || x->pass_id[0] == '\0' ||
		    wire_json_str(e, "issuer", x->issuer,
		    sizeof(x->issuer)) != 0 || at == INT64_MIN ||
		    at > now_ms + WIRE_FUTURE_MS || at < now_ms - MONTH_MS)
			continue;
		x->at_ms = at;
		hb->n_inspections++;
	}
	json_decref(j);
	return 0;
}

void
wire_heartbeat_release(struct wire_heartbeat *hb)
{
	free(hb->inspections);
	hb->inspections = NULL;
	hb->n_inspections = 0;
}

/* ---- the heartbeat's refusal ---- */

char *
wire_hb_refusal_encode(const struct wire_hb_refusal *r)
{
	json_t *j = json_pack("{s:s, s:s, s:I}", "error", r->error,
	    "heartbeat", r->why, "collector_ms", (json_int_t)r->collector_ms);
	char *s = j ? json_dumps(j, JSON_COMPACT | JSON_PRESERVE_ORDER) : NULL;

	json_decref(j);
	return s;
}

int
wire_hb_refusal_parse(const char *json, size_t len,
    struct wire_hb_refusal *r)
{
	json_t *j = json_loadb(json, len, 0, NULL);
	int rc = -1;

	memset(r, 0, sizeof(*r));
	if (wire_json_str(j, "heartbeat", r->why, sizeof(r->why)) == 0 &&
	    (strcmp(r->why, "stale") == 0 || strcmp(r->why, "replay") == 0)) {
		r->collector_ms = wire_json_int(j, "collector_ms", 0);
		if (wire_json_str(j, "error", r->error, sizeof(r->error)) != 0)
			r->error[0] = '\0';
		rc = r->collector_ms > 0 && r->collector_ms <=
		    WIRE_MAX_TIME_MS ? 0 : -1;
	}
	json_decref(j);
	return rc;
}

/* ---- enrolment ---- */

int
wire_venue_id_ok(const char *id)
{
	size_t n = strlen(id);

	return n >= 1 && n <= 64 && strspn(id, "abcdefghijklmnopqrstuvwxyz"
	    "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._-") == n;
}

/* The text an enrolment's signature covers; its length, or -1. */
static int
enroll_text(const char *token, const char *pub, const struct wire_device *dev,
    char *out, size_t size)
{
	unsigned char h[32];
	char hex[65];
	int n;

	crypto_generichash(h, sizeof(h), (const unsigned char *)token,
	    strlen(token), NULL, 0);
	sodium_bin2hex(hex, sizeof(hex), h, sizeof(h));
	n = snprintf(out, size, "kiosk-enroll-v1\n%s\n%s\n%s\n%s", hex, pub,
	    dev->venue_id, dev->ward);
	return n < 0 || (size_t)n >= size ? -1 : n;
}

char *
wire_enroll_encode(const struct key_pair *device, const char *token,
    const struct wire_device *dev)
{
	unsigned char sig[crypto_sign_BYTES];
	char pub[KEYS_PUB_TEXT], text[512], sig64[100];
	json_t *j;
	char *s;
	int n;

	if (device->type != KEY_ED25519 || memcmp(device->pk, dev->pk,
	    KEYS_PUB_LEN) != 0 || keys_format_public(KEY_ED25519, dev->pk,
	    pub, sizeof(pub)) != 0)
		return NULL;
	n = enroll_text(token, pub, dev, text, sizeof(text));
	if (n < 0)
		return NULL;
	crypto_sign_detached(sig, NULL, (unsigned char *)text, (size_t)n,
	    device->sk);
	sodium_bin2base64(sig64, sizeof(sig64), sig, sizeof(sig),
	    sodium_base64_VARIANT_ORIGINAL);
	j = json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:s}", "token", token,
	    "device_pub", pub, "venue_id", dev->venue_id, "venue_name",
	    dev->venue_name, "address", dev->address, "ward", dev->ward,
	    "signature", sig64);
	s = j ? json_dumps(j, JSON_COMPACT) : NULL;
	json_decref(j);
	return s;
}

int
wire_enroll_parse(const char *json, size_t len,
    char token[WIRE_TOKEN_MAX + 1], struct wire_device *dev,
    const char **why)
{
	json_t *j = json_loadb(json, len, JSON_REJECT_DUPLICATES, NULL);
	unsigned char sig[crypto_sign_BYTES];
	char pub[KEYS_PUB_TEXT], sig64[100], text[512];
	size_t sl;
	int rc = -1, n;

	memset(dev, 0, sizeof(*dev));
	*why = "want {\"token\", \"device_pub\": \"ed25519:...\", "
	    "\"venue_id\", \"venue_name\", \"address\", \"ward\", "
	    "\"signature\"}";
	if (wire_json_str(j, "token", token, WIRE_TOKEN_MAX + 1) != 0 ||
	    wire_json_str(j, "device_pub", pub, sizeof(pub)) != 0 ||
	    keys_parse_public(pub, KEY_ED25519, dev->pk) != 0 ||
	    wire_json_str(j, "venue_id", dev->venue_id,
	    sizeof(dev->venue_id)) != 0 || dev->venue_id[0] == '\0' ||
	    wire_json_str(j, "venue_name", dev->venue_name,
	    sizeof(dev->venue_name)) != 0 || dev->venue_name[0] == '\0')
		goto out;
	if ((json_object_get(j, "address") != NULL && wire_json_str(j,
	    "address", dev->address, sizeof(dev->address)) != 0) ||
	    (json_object_get(j, "ward") != NULL && wire_json_str(j, "ward",
	    dev->ward, sizeof(dev->ward)) != 0))
		goto out;
	if (!wire_venue_id_ok(dev->venue_id) ||
	    !termtext_plain(dev->venue_name) || !termtext_plain(dev->address) ||
	    !termtext_plain(dev->ward)) {
		*why = "a venue id is 1-64 letters, digits, '.', '_' or '-'; "
		    "a name, an address and a ward are text without control "
		    "characters";
		goto out;
	}
	if (wire_json_str(j, "signature", sig64, sizeof(sig64)) != 0) {
		*why = "the enrolment is not signed with the kiosk's key: "
		    "update the kiosk's software";
		goto out;
	}
	n = enroll_text(token, pub, dev, text, sizeof(text));
	if (n < 0 || sodium_base642bin(sig, sizeof(sig), sig64,
	    strlen(sig64), NULL, &sl, NULL,
	    sodium_base64_VARIANT_ORIGINAL) != 0 || sl != sizeof(sig) ||
	    crypto_sign_verify_detached(sig, (unsigned char *)text,
	    (size_t)n, dev->pk) != 0) {
		*why = "the enrolment's signature is not the key's it "
		    "enrols";
		goto out;
	}
	keys_id(dev->pk, dev->device_id);
	rc = 0;
out:
	json_decref(j);
	if (rc != 0)
		memset(dev, 0, sizeof(*dev));
	return rc;
}

char *
wire_enrolled_encode(const struct wire_device *dev)
{
	json_t *j = json_pack("{s:s, s:s, s:s, s:s, s:s}", "device_id",
	    dev->device_id, "venue_id", dev->venue_id, "venue_name",
	    dev->venue_name, "address", dev->address, "ward", dev->ward);
	char *s = j ? json_dumps(j, JSON_COMPACT | JSON_PRESERVE_ORDER) : NULL;

	json_decref(j);
	return s;
}

int
wire_enrolled_parse(const char *json, size_t len, struct wire_device *dev)
{
	json_t *j = json_loadb(json, len, 0, NULL);
	int rc = -1;

	memset(dev, 0, sizeof(*dev));
	if (wire_json_str(j, "device_id", dev->device_id,
	    sizeof(dev->device_id)) == 0 && strlen(dev->device_id) ==
	    KEYS_ID_LEN && wire_json_str(j, "venue_id", dev->venue_id,
	    sizeof(dev->venue_id)) == 0 && wire_json_str(j, "venue_name",
	    dev->venue_name, sizeof(dev->venue_name)) == 0 &&
	    wire_json_str(j, "address", dev->address,
	    sizeof(dev->address)) == 0 && wire_json_str(j, "ward", dev->ward,
	    sizeof(dev->ward)) == 0)
		rc = 0;
	json_decref(j);
	if (rc != 0)
		memset(dev, 0, sizeof(*dev));
	return rc;
}
