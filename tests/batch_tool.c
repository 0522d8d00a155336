/*
 * batch_tool DEVICE_KEY URL: send the collector requests it must refuse
 * (and two it must take), with a real HTTP client, printing one
 * "ok - ..." or "not ok - ..." line each. Used by tests/e2e_sync.sh; the
 * rows sent are never stored (checked there).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <curl/curl.h>
#include <jansson.h>
#include <sodium.h>

#include "batch.h"
#include "client.h"
#include "keys.h"
#include "ktime.h"

static int failed;
static char base[512];

static void
expect(const char *what, long got, long want, const char *body)
{
	if (got == want) {
		printf("ok - %s (%ld)\n", what, got);
	} else {
		printf("not ok - %s: HTTP %ld, want %ld: %s\n", what, got, want,
		    body ? body : "");
		failed++;
	}
}

/* POST BODY with header H (signed by KEY unless RAW_SIG is given). */
static long
send_batch(const struct key_pair *key, struct batch_header *h,
    const void *body, size_t len, int sign, const char *digest_of,
    size_t dlen, char **resp)
{
	char hv[8][160], url[600];
	const char *headers[9];
	struct http_resp r;
	int i;

	/* Unsigned: the header goes as it is (an exact resend). */
	if (sign) {
		batch_digest(digest_of ? digest_of : body, digest_of ? dlen :
		    len, h->digest);
		h->sent_at_ms = ktime_wall_ms();
		batch_sign(key, h);
	}
	snprintf(hv[0], 160, "X-Kiosk-Device: %s", h->device);
	snprintf(hv[1], 160, "X-Kiosk-Instance: %s", h->instance);
	snprintf(hv[2], 160, "X-Kiosk-First-Seq: %lld", (long long)h->first_seq);
	snprintf(hv[3], 160, "X-Kiosk-Last-Seq: %lld", (long long)h->last_seq);
	snprintf(hv[4], 160, "X-Kiosk-Count: %lld", (long long)h->count);
	snprintf(hv[5], 160, "X-Kiosk-Digest: %s", h->digest);
	snprintf(hv[6], 160, "X-Kiosk-Sent-At: %lld", (long long)h->sent_at_ms);
	snprintf(hv[7], 160, "X-Kiosk-Signature: %s", h->signature);
	for (i = 0; i < 8; i++)
		headers[i] = hv[i];
	headers[8] = NULL;
	snprintf(url, sizeof(url), "%s/api/v1/batch", base);
	if (http_post(url, headers, body, len, 30, &r) != 0) {
		printf("not ok - request failed: %s\n", r.error);
		failed++;
		return 0;
	}
	if (resp != NULL)
		*resp = r.body ? strdup(r.body) : NULL;
	http_resp_release(&r);
	return r.status;
}

static void
header(struct batch_header *h, const struct key_pair *key, int64_t first,
    int64_t last, int64_t count)
{
	memset(h, 0, sizeof(*h));
	keys_id(key->pk, h->device);
	snprintf(h->instance, sizeof(h->instance),
	    "feedfacefeedfacefeedfacefeedface");
	h->first_seq = first;
	h->last_seq = last;
	h->count = count;
}

int
main(int argc, char **argv)
{
	struct key_pair dev, other;
	struct batch_header h;
	unsigned char *z;
	size_t zlen;
	char json[2048], *resp = NULL, *big;
	long st;

	if (argc != 3 || sodium_init() < 0 ||
	    keys_load_secret(argv[1], KEY_ED25519, &dev) != 0)
		return 2;
	curl_global_init(CURL_GLOBAL_DEFAULT);
	snprintf(base, sizeof(base), "%s", argv[2]);
	keys_generate(KEY_ED25519, &other);

	/* Three rows every one of which breaks a rule. */
	snprintf(json, sizeof(json), "{\"visits\":["
	    "{\"seq\":1,\"kind\":\"phone\",\"subject\":\"0911111111\","
	    "\"direction\":\"in\",\"wall_ms\":%lld,\"boot_id\":\"b\","
	    "\"mono_ms\":1,\"source\":\"keypad\",\"sealed\":null},"
	    "{\"seq\":2,\"kind\":\"phone\",\"subject\":\"0922222222\","
	    "\"direction\":\"out\",\"wall_ms\":%lld,\"boot_id\":\"b\","
	    "\"mono_ms\":2,\"source\":\"keypad\",\"sealed\":null},"
	    "{\"seq\":3,\"kind\":\"cccd\",\"subject\":\"12345\","
	    "\"direction\":\"in\",\"wall_ms\":%lld,\"boot_id\":\"b\","
	    "\"mono_ms\":3,\"source\":\"camera\",\"sealed\":null}]}",
	    (long long)(ktime_wall_ms() + 86400000LL),
	    (long long)ktime_wall_ms(), (long long)ktime_wall_ms());
	batch_compress(json, strlen(json), &z, &zlen);

	header(&h, &dev, 1, 3, 3);
	st = send_batch(&dev, &h, z, zlen, 1, NULL, 0, &resp);
	expect("rows refused one by one, batch acknowledged", st, 200, resp);
	{
		json_t *j = json_loads(resp ? resp : "", 0, NULL);
		const char *r0 = json_string_value(json_object_get(
		    json_array_get(json_object_get(j, "rejects"), 0), "reason"));
		const char *r1 = json_string_value(json_object_get(
		    json_array_get(json_object_get(j, "rejects"), 1), "reason"));
		const char *r2 = json_string_value(json_object_get(
		    json_array_get(json_object_get(j, "rejects"), 2), "reason"));

		expect("future time, check-out before check-in, bad subject",
		    (r0 && r1 && r2 && !strcmp(r0, "time_in_future") &&
		    !strcmp(r1, "checkout_before_checkin") &&
		    !strcmp(r2, "bad_subject") && json_integer_value(
		    json_object_get(j, "stored")) == 0) ? 1 : 0, 1, resp);
		json_decref(j);
	}
	free(resp);
	resp = NULL;

	/* The same batch again: acknowledged again, nothing new stored. */
	st = send_batch(&dev, &h, z, zlen, 0, NULL, 0, &resp);
	expect("an exact resend is acknowledged again", st, 200, resp);
	expect("and stores nothing new", resp && strstr(resp,
	    "\"stored\":0") ? 1 : 0, 1, resp);
	free(resp);
	resp = NULL;

	/* Signed by a key that is not the device's. */
	header(&h, &dev, 1, 3, 3);
	h.sent_at_ms = ktime_wall_ms();
	batch_digest(z, zlen, h.digest);
	batch_sign(&other, &h);
	st = send_batch(&other, &h, z, zlen, 0, NULL, 0, &resp);
	expect("bad signature", st, 401, resp);
	free(resp);
	resp = NULL;

	/* A device nobody enrolled. */
	header(&h, &other, 1, 3, 3);
	st = send_batch(&other, &h, z, zlen, 1, NULL, 0, &resp);
	expect("unknown device", st, 401, resp);
	free(resp);
	resp = NULL;

	/* A replay with a changed body under the old header and signature. */
	header(&h, &dev, 1, 3, 3);
	{
		unsigned char *z2;
		size_t z2len;
		char other_json[2048];

		snprintf(other_json, sizeof(other_json), "%s", json);
		other_json[40] = other_json[40] == '1' ? '2' : '1';
		batch_compress(other_json, strlen(other_json), &z2, &z2len);
		st = send_batch(&dev, &h, z2, z2len, 1, (char *)z, zlen, &resp);
		expect("replay with a changed body", st, 400, resp);
		free(z2);
	}
	free(resp);
	resp = NULL;

	/* Not zlib, and zlib that is not JSON, both signed correctly. */
	header(&h, &dev, 1, 3, 3);
	st = send_batch(&dev, &h, "plain text", 10, 1, NULL, 0, &resp);
	expect("malformed compression", st, 400, resp);
	free(resp);
	resp = NULL;
	{
		unsigned char *z3;
		size_t z3len;

		batch_compress("{not json", 9, &z3, &z3len);
		header(&h, &dev, 1, 3, 3);
		st = send_batch(&dev, &h, z3, z3len, 1, NULL, 0, &resp);
		expect("malformed JSON", st, 400, resp);
		free(z3);
	}
	free(resp);
	resp = NULL;

	/* Count in the header not matching the body. */
	header(&h, &dev, 1, 3, 2);
	st = send_batch(&dev, &h, z, zlen, 1, NULL, 0, &resp);
	expect("count not matching the body", st, 400, resp);
	free(resp);
	resp = NULL;

	/* Oversize: 1 MiB of body. */
	big = malloc(1 << 20);
	memset(big, 'x', 1 << 20);
	header(&h, &dev, 1, 3, 3);
	st = send_batch(&dev, &h, big, 1 << 20, 1, NULL, 0, &resp);
	expect("oversize body", st, 413, resp);
	free(big);
	free(resp);
	resp = NULL;

	/* A compression bomb: small on the wire, huge inflated. */
	{
		char *zeros = calloc(1, 4 << 20);
		unsigned char *zb;
		size_t zblen;

		batch_compress(zeros, 4 << 20, &zb, &zblen);
		header(&h, &dev, 1, 3, 3);
		st = send_batch(&dev, &h, zb, zblen, 1, NULL, 0, &resp);
		expect("compression bomb", st, 413, resp);
		free(zb);
		free(zeros);
	}
	free(resp);
	free(z);
	keys_wipe(&dev);
	keys_wipe(&other);
	curl_global_cleanup();
	return failed ? 1 : 0;
}
