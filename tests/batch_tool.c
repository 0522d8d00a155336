/*
 * batch_tool DEVICE_KEY URL: send the collector requests it must refuse
 * (and two it must take), with a real HTTP client, printing one
 * "ok - ..." or "not ok - ..." line each. Used by tests/e2e_sync.sh; the
 * rows sent are never stored (checked there).
 *
 * batch_tool --golden DIR: build a store in DIR from fixed visits and
 * print the first batch the outbox makes of it (its X-Kiosk-* headers and
 * base64 body), signed with a fixed key at a fixed time. The output is
 * compared with tests/data/golden-batch.txt, made by the code before the
 * wire contract moved to common/: the bytes on the wire stay the same.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <curl/curl.h>
#include <jansson.h>
#include <sodium.h>
#include <zlib.h>

#include <sqlite3.h>

#include "http.h"
#include "keys.h"
#include "ktime.h"
#include "outbox.h"
#include "store.h"
#include "wire.h"

static int failed;

/* TEXT zlib-compressed as it is, valid or not as a batch: what an attacker
 * or a broken kiosk would send. */
static void
zip(const void *text, size_t len, unsigned char **z, size_t *zlen)
{
	uLongf cap = compressBound((uLong)len);

	*z = malloc(cap);
	if (*z == NULL || compress2(*z, &cap, text, (uLong)len, 6) != Z_OK)
		abort();
	*zlen = cap;
}

/* The golden batch: fixed visits, a fixed key and time (see the top). */
static int
golden(const char *dir)
{
	static const char *const kinds[] = { "cccd", "phone", "pccovid",
	    "pass" };
	static const char *const subj[] = { "079095001234", "0912345678",
	    "QID-7788", "VP-2026-0001" };
	static const char *const src[] = { "camera", "keypad", "scanner",
	    "camera" };
	char hv[WIRE_HEADER_LINES][WIRE_HEADER_LINE_MAX], db[512], *b64;
	unsigned char seed[32], blob[96];
	struct outbox_batch b;
	struct key_pair dev;
	struct store *s;
	sqlite3 *q;
	size_t i, k;

	snprintf(db, sizeof(db), "%s/golden.db", dir);
	for (i = 0; i < 32; i++)
		seed[i] = (unsigned char)(i * 7 + 1);
	dev.type = KEY_ED25519;
	crypto_sign_seed_keypair(dev.pk, dev.sk, seed);
	s = store_open(db);
	for (i = 0; s != NULL && i < 40; i++) {
		struct store_checkin_req r;
		struct store_checkin_res res;

		for (k = 0; k < sizeof(blob); k++)
			blob[k] = (unsigned char)(i * 31 + k * 13);
		memset(&r, 0, sizeof(r));
		r.kind = kinds[i % 4];
		r.subject = subj[i % 4];
		r.sealed = i % 3 == 0 ? NULL : blob;
		r.sealed_len = i % 3 == 0 ? 0 : sizeof(blob);
		r.source = src[i % 4];
		r.wall_ms = 1764900000000LL + (int64_t)i * 7 * 60000;
		r.mono_ms = 5000 + (int64_t)i * 7 * 60000;
		r.boot_id = "0f0e0d0c-0b0a-0908-0706-050403020100";
		r.window_ms = 5 * 60000;
		r.rescan = STORE_RESCAN_CHECKOUT;
		if (store_checkin(s, &r, &res) != 0)
			return 1;
	}
	store_close(s);
	/* The instance id is random at creation: fix it. */
	if (sqlite3_open(db, &q) != SQLITE_OK || sqlite3_exec(q,
	    "UPDATE visits SET instance_id = "
	    "'00112233445566778899aabbccddeeff'", NULL, NULL, NULL) !=
	    SQLITE_OK)
		return 1;
	sqlite3_close(q);
	s = store_open(db);
	if (s == NULL || outbox_next(s, &dev, 0, 0, 1764990000000LL, &b) != 1)
		return 1;
	wire_header_lines(&b.h, hv);
	for (i = 0; i < WIRE_HEADER_LINES; i++)
		printf("%s\n", hv[i]);
	b64 = malloc(b.len * 2 + 8);
	sodium_bin2base64(b64, b.len * 2 + 8, b.body, b.len,
	    sodium_base64_VARIANT_ORIGINAL);
	printf("body: %s\n", b64);
	free(b64);
	outbox_batch_release(&b);
	store_close(s);
	return 0;
}
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
send_batch(const struct key_pair *key, struct wire_header *h,
    const void *body, size_t len, int sign, const char *digest_of,
    size_t dlen, char **resp)
{
	char hv[WIRE_HEADER_LINES][WIRE_HEADER_LINE_MAX], url[600];
	const char *headers[WIRE_HEADER_LINES + 1];
	struct http_resp r;
	int i;

	/* Unsigned: the header goes as it is (an exact resend). */
	if (sign)
		wire_sign(key, h, digest_of ? digest_of : body, digest_of ?
		    dlen : len, ktime_wall_ms());
	wire_header_lines(h, hv);
	for (i = 0; i < WIRE_HEADER_LINES; i++)
		headers[i] = hv[i];
	headers[WIRE_HEADER_LINES] = NULL;
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
header(struct wire_header *h, const struct key_pair *key, int64_t first,
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
	struct wire_header h;
	unsigned char *z;
	size_t zlen;
	char json[2048], *resp = NULL, *big;
	long st;

	if (argc == 3 && strcmp(argv[1], "--golden") == 0)
		return sodium_init() < 0 ? 2 : golden(argv[2]);
	if (argc != 3 || sodium_init() < 0 ||
	    keys_load_secret(argv[1], KEY_ED25519, &dev) != 0)
		return 2;
	curl_global_init(CURL_GLOBAL_DEFAULT);
	snprintf(base, sizeof(base), "%s", argv[2]);
	keys_generate(KEY_ED25519, &other);

	/* Three rows every one of which breaks a rule. */
	snprintf(json, sizeof(json), "{\"visits\":["
	    "{\"seq\":1,\"kind\":\"phone\",\"subject\":\"0911111111\","
	    "\"direction\":\"sideways\",\"wall_ms\":%lld,\"boot_id\":\"b\","
	    "\"mono_ms\":1,\"source\":\"keypad\",\"sealed\":null},"
	    "{\"seq\":2,\"kind\":\"phone\",\"subject\":\"0922222222\","
	    "\"direction\":\"out\",\"wall_ms\":%lld,\"boot_id\":\"b\","
	    "\"mono_ms\":2,\"source\":\"keypad\",\"sealed\":null},"
	    "{\"seq\":3,\"kind\":\"cccd\",\"subject\":\"12345\","
	    "\"direction\":\"in\",\"wall_ms\":%lld,\"boot_id\":\"b\","
	    "\"mono_ms\":3,\"source\":\"camera\",\"sealed\":null}]}",
	    (long long)(ktime_wall_ms() + 86400000LL),
	    (long long)ktime_wall_ms(), (long long)ktime_wall_ms());
	zip(json, strlen(json), &z, &zlen);

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

		expect("bad direction, check-out before check-in, bad subject",
		    (r0 && r1 && r2 && !strcmp(r0, "bad_direction") &&
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
	wire_sign(&other, &h, z, zlen, ktime_wall_ms());
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
		zip(other_json, strlen(other_json), &z2, &z2len);
		st = send_batch(&dev, &h, z2, z2len, 1, (char *)z, zlen, &resp);
		expect("replay with a changed body", st, 400, resp);
		free(z2);
	}
	free(resp);
	resp = NULL;

	/* Not zlib, and zlib that is not JSON, both signed correctly. */
	header(&h, &dev, 1, 3, 3);
	st = send_batch(&dev, &h, "plain text", 10, 1, NULL, 0, &resp);
	expect("malformed compression", st, 422, resp);
	expect("  ... said to be refused for good", resp && strstr(resp,
	    "\"refused\":\"batch\"") ? 1 : 0, 1, resp);
	free(resp);
	resp = NULL;
	{
		unsigned char *z3;
		size_t z3len;

		zip("{not json", 9, &z3, &z3len);
		header(&h, &dev, 1, 3, 3);
		st = send_batch(&dev, &h, z3, z3len, 1, NULL, 0, &resp);
		expect("malformed JSON", st, 422, resp);
		expect("  ... said to be refused for good", resp &&
		    strstr(resp, "\"refused\":\"batch\"") ? 1 : 0, 1, resp);
		free(z3);
	}
	free(resp);
	resp = NULL;

	/* Count in the header not matching the body. */
	header(&h, &dev, 1, 3, 2);
	st = send_batch(&dev, &h, z, zlen, 1, NULL, 0, &resp);
	expect("count not matching the body", st, 422, resp);
	expect("  ... said to be refused for good", resp && strstr(resp,
	    "\"refused\":\"batch\"") ? 1 : 0, 1, resp);
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

		zip(zeros, 4 << 20, &zb, &zblen);
		header(&h, &dev, 1, 3, 3);
		st = send_batch(&dev, &h, zb, zblen, 1, NULL, 0, &resp);
		expect("compression bomb", st, 422, resp);
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
