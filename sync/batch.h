/*
 * batch: the upload protocol's wire format, shared by kiosk-sync and the
 * collector (DESIGN.md section 6; docs/sync.md).
 *
 * A batch is compact JSON {"visits":[...]} of at most BATCH_MAX_VISITS
 * visits and BATCH_MAX_JSON bytes, zlib-compressed. Its header travels in
 * HTTP headers; the device signs (Ed25519) the line
 *   "kiosk-batch-v1\n<device>\n<instance>\n<first>\n<last>\n<count>\n
 *    <digest>\n<sent_at_ms>"
 * where digest is BLAKE2b-256 (hex) of the exact compressed bytes sent, so
 * a replay with another body fails and a resend of the same one is
 * recognised. The collector keys visits by (device, instance, seq).
 */
#ifndef KIOSK_BATCH_H
#define KIOSK_BATCH_H

#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "keys.h"

#define BATCH_MAX_VISITS 1000
#define BATCH_MAX_JSON (256 * 1024)	/* before compression */
#define BATCH_MAX_BODY (300 * 1024)	/* compressed, with slack */
#define BATCH_FUTURE_MS (10LL * 60 * 1000)	/* clock slack for "future" */

struct batch_header {
	char device[KEYS_ID_LEN + 1];
	char instance[33];
	int64_t first_seq, last_seq;
	int64_t count;
	char digest[65];
	int64_t sent_at_ms;
	char signature[100];		/* base64 */
};

struct batch_visit {
	int64_t seq;
	char kind[16];
	char subject[64];
	unsigned char *sealed;		/* NULL when none; owned by the array */
	size_t sealed_len;
	char direction[4];
	int64_t wall_ms;
	char boot_id[40];
	int64_t mono_ms;
	char source[8];
	const char *reject;		/* why this row is refused, or NULL */
};

/* batch_digest(body, len, out): BLAKE2b-256 of BODY in hex. */
void batch_digest(const void *body, size_t len, char out[65]);

/* batch_sign(key, h): fill H->signature over H's other fields. */
int batch_sign(const struct key_pair *key, struct batch_header *h);

/* batch_verify(pk, h): 0 if H->signature is PK's over H's fields. */
int batch_verify(const unsigned char pk[KEYS_PUB_LEN],
    const struct batch_header *h);

/*
 * batch_compress(in, len, out, out_len):
 * zlib-compress IN. Returns 0 with a new buffer in *OUT (caller frees), or
 * -1 when out of memory.
 */
int batch_compress(const void *in, size_t len, unsigned char **out,
    size_t *out_len);

/*
 * batch_inflate(in, len, max, out, out_len):
 * Inflate zlib data IN into a new NUL-terminated buffer of at most MAX
 * bytes. Returns 0, -1 when the data is not valid zlib, -2 when it would
 * inflate past MAX (a compression bomb).
 */
int batch_inflate(const unsigned char *in, size_t len, size_t max,
    char **out, size_t *out_len);

/*
 * batch_parse(json, len, h, now_ms, out, n, err, errsize):
 * Parse a batch body against its header H. Whole-batch faults (not JSON,
 * not the shape, count or seqs not matching H) return -1 with a message in
 * ERR. Otherwise returns 0 with the rows in *OUT (free with
 * batch_visits_free); a row that breaks a rule (unknown kind, bad subject,
 * bad direction or source, time far in the future, oversize sealed
 * fields) has its REJECT reason set and is not to be stored.
 */
int batch_parse(const char *json, size_t len, const struct batch_header *h,
    int64_t now_ms, struct batch_visit **out, size_t *n, char *err,
    size_t errsize);

/*
 * batch_json_str(o, key, dst, size):
 * Copy the string member KEY of the JSON object O into DST (SIZE bytes).
 * Returns 0, or -1 when it is absent, not a string, holds a NUL or does
 * not fit.
 */
int batch_json_str(const json_t *o, const char *key, char *dst, size_t size);

/* batch_visits_free(v, n): free rows from batch_parse. */
void batch_visits_free(struct batch_visit *v, size_t n);

#endif
