/*
 * wire: the contract between a kiosk and its collector, in one place
 * (DESIGN.md section 6; docs/sync.md). Everything that crosses between
 * them is here, as plain structs, with the one encoder and the one parser
 * of each format:
 *
 *   the signed header   X-Kiosk-* HTTP headers over a batch or heartbeat
 *   a batch             zlib JSON {"visits":[...]}, and its answer
 *   a heartbeat         JSON, signed with the same header
 *   an enrolment        JSON {"token","device_pub","venue_id",...}
 *   a USB export        a file sealed to the health authority
 *
 * The kiosk side (kiosk/outbox.c, kiosk/uploader.c) encodes and the
 * collector (sync/) parses, or the reverse for answers; neither writes a
 * field name of its own. Parsers are strict, bounded, and fuzzed
 * (tests/fuzz/fuzz_batch.c, fuzz_export.c); nothing here touches a store.
 * No library type appears in this header.
 */
#ifndef KIOSK_WIRE_H
#define KIOSK_WIRE_H

#include <stddef.h>
#include <stdint.h>

#include "keys.h"

#define WIRE_MAX_VISITS 1000
#define WIRE_MAX_JSON (256 * 1024)	/* a batch before compression */
#define WIRE_MAX_BODY (300 * 1024)	/* compressed, with slack */
#define WIRE_FUTURE_MS (10LL * 60 * 1000) /* clock slack for "future" */
#define WIRE_INSTANCE_LEN 32		/* hex characters */
#define WIRE_MAX_INSPECTIONS 200	/* in one heartbeat */
/* Bounds every number on the wire is checked against: no arithmetic on
 * them can overflow. */
#define WIRE_MAX_SEQ (INT64_C(1) << 53)
#define WIRE_MAX_TIME_MS (INT64_C(253402300799) * 1000) /* year 9999 */
#define WIRE_MAX_HEARTBEAT (64 * 1024)	/* a heartbeat's JSON, at most */

/* ---- the signed header ---- */

/*
 * The device signs (Ed25519) the line
 *   "kiosk-batch-v1\n<device>\n<instance>\n<first>\n<last>\n<count>\n
 *    <digest>\n<sent_at_ms>"
 * where digest is BLAKE2b-256 (hex) of the exact bytes sent, so a replay
 * with another body fails and a resend of the same one is recognised.
 */
struct wire_header {
	char device[KEYS_ID_LEN + 1];
	char instance[WIRE_INSTANCE_LEN + 1];
	int64_t first_seq, last_seq;
	int64_t count;
	char digest[65];
	int64_t sent_at_ms;
	char signature[100];		/* base64 */
};

#define WIRE_HEADER_LINES 8
#define WIRE_HEADER_LINE_MAX 160

/* wire_digest(body, len, out): BLAKE2b-256 of BODY in hex. */
void wire_digest(const void *body, size_t len, char out[65]);

/*
 * wire_sign(key, h, body, len, sent_at_ms):
 * Fill H's digest of BODY, its sent-at time and its signature by KEY over
 * H's other fields. Returns 0, or -1 when KEY is not Ed25519.
 */
int wire_sign(const struct key_pair *key, struct wire_header *h,
    const void *body, size_t len, int64_t sent_at_ms);

/* wire_verify(pk, h): 0 if H->signature is PK's over H's fields, else -1. */
int wire_verify(const unsigned char pk[KEYS_PUB_LEN],
    const struct wire_header *h);

/*
 * wire_header_lines(h, out):
 * H as the HTTP request's "Name: value" lines, in OUT.
 */
void wire_header_lines(const struct wire_header *h,
    char out[WIRE_HEADER_LINES][WIRE_HEADER_LINE_MAX]);

/*
 * wire_header_read(h, get, ctx):
 * Read H from a request's headers, GET(CTX, name) giving each value or
 * NULL. Returns 0, or -1 when one is missing or malformed: the device a
 * key id and the instance 32 hex characters, the digest 64; seqs in
 * [0, WIRE_MAX_SEQ], the count in [0, WIRE_MAX_VISITS], the sent-at time
 * in (0, WIRE_MAX_TIME_MS].
 */
int wire_header_read(struct wire_header *h,
    const char *(*get)(void *ctx, const char *name), void *ctx);

/* ---- batches ---- */

struct wire_visit {
	int64_t seq;
	char kind[16];			/* cccd, pccovid, pass, phone */
	char subject[64];
	unsigned char *sealed;		/* NULL when none; owned by the array */
	size_t sealed_len;
	char direction[4];		/* in, out */
	int64_t wall_ms;
	char boot_id[40];
	int64_t mono_ms;
	char source[8];			/* camera, scanner, keypad, phone */
	int clock_untrusted;		/* "clock":"untrusted": the kiosk could
					 * not trust its clock, nor re-date it */
	int64_t claimed_ms;		/* collector side: the time the kiosk
					 * gave, when it was impossible and the
					 * row was filed at its reception */
	int quarantined;		/* "quarantined":true: set aside at the
					 * kiosk (a USB export carries them) */
	const char *reject;		/* why the collector refuses it, or NULL */
};

/*
 * wire_visit_size(v):
 * Exactly how many bytes row V is in a batch's JSON (0 when out of
 * memory). A batch of N rows is WIRE_BATCH_FRAME bytes plus its rows plus
 * N - 1 commas: the outbox packs batches under WIRE_MAX_JSON with it.
 */
size_t wire_visit_size(const struct wire_visit *v);
#define WIRE_BATCH_FRAME 13		/* {"visits":[ ... ]} */

/*
 * wire_batch_encode(v, n, z, zlen):
 * The batch of rows V (N <= WIRE_MAX_VISITS), compressed, in a new buffer
 * *Z (caller frees). Returns 0; WIRE_TOO_LARGE when its JSON would be
 * past WIRE_MAX_JSON (the collector would refuse it: send fewer rows); -1
 * when out of memory.
 */
#define WIRE_TOO_LARGE (-2)
int wire_batch_encode(const struct wire_visit *v, size_t n,
    unsigned char **z, size_t *zlen);

/*
 * wire_batch_decode(z, zlen, h, now_ms, out, n, err, errsize):
 * Inflate (at most WIRE_MAX_JSON) and parse a batch body against its
 * header H. Returns 0 with the rows in *OUT (free with wire_visits_free):
 * a row that breaks a rule (unknown kind, bad subject, direction or
 * source, oversize sealed fields) has its REJECT set and is not to be
 * stored. A time is not a rule here: a wrong clock's row is kept (the
 * collector files it, db.c). NOW_MS is unused, kept for the callers.
 * Returns WIRE_BUSY when memory ran out here: not the batch's fault. Returns -1 for a whole-batch fault (not
 * zlib, not JSON, not the shape, count or seqs not H's) and -2 when it
 * would inflate past the limit, with a message in ERR.
 */
#define WIRE_BUSY (-3)

int wire_batch_decode(const unsigned char *z, size_t zlen,
    const struct wire_header *h, int64_t now_ms, struct wire_visit **out,
    size_t *n, char *err, size_t errsize);

/* wire_visits_free(v, n): free rows from wire_batch_decode; NULL is fine. */
void wire_visits_free(struct wire_visit *v, size_t n);

/* The collector's answer to a batch it took. */
struct wire_reject {
	int64_t seq;
	char reason[32];
};

struct wire_ack {
	int64_t acked_through;		/* the header's last seq, once committed */
	int64_t stored, duplicates, rejected;
	struct wire_reject *rejects;	/* owned */
	size_t n_rejects;
};

/*
 * The collector's explicit refusal of a whole batch, which can never be
 * taken (signed, but not zlib, not JSON, not its header's rows, or too
 * large inflated): answered with status WIRE_REFUSED_STATUS and
 * {"error", "refused":"batch", "first_seq", "last_seq"}. It is the only
 * answer on which a kiosk sets visits aside (those in the range).
 */
#define WIRE_REFUSED_STATUS 422

struct wire_refusal {
	char error[200];
	int64_t first_seq, last_seq;
};

/*
 * wire_refusal_encode(r): R as JSON in a new string (caller frees), or
 * NULL. wire_refusal_parse(json, len, r): 0 when JSON is the collector's
 * refusal, -1 when it is anything else (a proxy's page, another error).
 */
char *wire_refusal_encode(const struct wire_refusal *r);
int wire_refusal_parse(const char *json, size_t len, struct wire_refusal *r);

/*
 * wire_ack_encode(a): A as JSON in a new string (caller frees), or NULL
 * when out of memory.
 * wire_ack_parse(json, len, a): the reverse; 0, or -1 when JSON is not a
 * collector's answer (no acked_through). Release with wire_ack_release.
 */
char *wire_ack_encode(const struct wire_ack *a);
int wire_ack_parse(const char *json, size_t len, struct wire_ack *a);
void wire_ack_release(struct wire_ack *a);

/* ---- heartbeats ---- */

struct wire_inspection {
	int64_t at_ms;
	char pass_id[65];
	char issuer[65];
};

struct wire_heartbeat {
	char version[32];
	int64_t uptime_s;
	int64_t backlog;		/* -1: not said */
	int64_t quarantined;
	int64_t last_scan_ms;
	int64_t disk_free;
	int64_t inspections_24h;	/* -1: not said */
	int64_t last_inspection_ms;
	struct wire_inspection *inspections; /* owned; newest first */
	size_t n_inspections;
	char hours[128];		/* opening hours (hours.h), "" always:
					 * gaps and "silent" count only then */
	int have_utc_offset;		/* the kiosk's clock is UTC + */
	int utc_offset_min;		/* this, -720..840 (its time zone) */
};

/*
 * A heartbeat is taken only when its signed sent-at time is within
 * WIRE_HEARTBEAT_WINDOW_MS of the collector's clock and later than the
 * last one taken from that device: a replay or an old capture cannot make
 * a dead kiosk look alive. Refused, the answer is WIRE_HEARTBEAT_STATUS
 * with {"error", "heartbeat": "stale"|"replay", "collector_ms"}: a kiosk
 * whose clock is off sends again with the collector's time (its own
 * signed word of "now"), and says so in its log.
 */
#define WIRE_HEARTBEAT_WINDOW_MS (10LL * 60 * 1000)
#define WIRE_HEARTBEAT_STATUS 409

struct wire_hb_refusal {
	char error[200];
	char why[8];			/* "stale" or "replay" */
	int64_t collector_ms;		/* the collector's clock */
};

/*
 * wire_hb_refusal_encode(r): R as JSON in a new string (caller frees), or
 * NULL. wire_hb_refusal_parse(json, len, r): 0 when JSON is such a
 * refusal (collector_ms within (0, WIRE_MAX_TIME_MS]), -1 otherwise.
 */
char *wire_hb_refusal_encode(const struct wire_hb_refusal *r);
int wire_hb_refusal_parse(const char *json, size_t len,
    struct wire_hb_refusal *r);

/*
 * wire_heartbeat_encode(hb): HB as JSON in a new string (caller frees),
 * or NULL when out of memory.
 */
char *wire_heartbeat_encode(const struct wire_heartbeat *hb);

/*
 * wire_heartbeat_parse(json, len, now_ms, hb, err, errsize):
 * The heartbeat in JSON; missing numbers are 0 (backlog and
 * inspections_24h -1). Inspections that are not sane (no pass id, a time
 * in the future or over a month old, past WIRE_MAX_INSPECTIONS) are left
 * out. Returns 0, or -1 when JSON is not an object (ERR says why).
 * Release with wire_heartbeat_release.
 */
int wire_heartbeat_parse(const char *json, size_t len, int64_t now_ms,
    struct wire_heartbeat *hb, char *err, size_t errsize);
void wire_heartbeat_release(struct wire_heartbeat *hb);

/* ---- enrolment ---- */

/*
 * wire_venue_id_ok(id): 1 when ID is a venue id, 1-64 ASCII letters,
 * digits, '.', '_' or '-'; else 0. A venue's name, address and ward are
 * text a person typed (termtext_plain) within their fields' sizes.
 */
int wire_venue_id_ok(const char *id);

/* A kiosk as the collector knows it. */
struct wire_device {
	char device_id[KEYS_ID_LEN + 1];
	unsigned char pk[KEYS_PUB_LEN];
	char venue_id[65], venue_name[129], address[257], ward[129];
};

#define WIRE_TOKEN_MAX 128

/*
 * An enrolment: {"token", "device_pub", "venue_id", "venue_name",
 * "address", "ward", "signature"}, the signature the device key's
 * (Ed25519, base64) over "kiosk-enroll-v1\n<BLAKE2b-256 of the token,
 * hex>\n<device_pub>\n<venue_id>\n<ward>": the kiosk proves it holds the
 * key it enrols, for this token, so nobody can enrol a key that is not
 * theirs (and squat its device id). The venue fields are what the kiosk
 * declares; the collector takes the ward, and the venue when the token
 * names one, from the token, and refuses a kiosk that declares others.
 *
 * wire_enroll_encode(device, token, dev): the request for DEV signed with
 * DEVICE (whose public key must be DEV->pk) in a new string (caller
 * wipes and frees), or NULL.
 * wire_enroll_parse(json, len, token, dev, why): the reverse, with every
 * field checked, the signature verified against the key it carries and
 * DEV's id derived from that key. 0, or -1 with *WHY.
 */
char *wire_enroll_encode(const struct key_pair *device, const char *token,
    const struct wire_device *dev);
int wire_enroll_parse(const char *json, size_t len,
    char token[WIRE_TOKEN_MAX + 1], struct wire_device *dev,
    const char **why);

/*
 * The collector's answer to an enrolment (201): the device as it was
 * enrolled, {"device_id", "venue_id", "venue_name", "address", "ward"}.
 * wire_enrolled_encode(dev): in a new string (caller frees), or NULL.
 * wire_enrolled_parse(json, len, dev): 0, or -1 when it is not one (DEV's
 * key is left zero).
 */
char *wire_enrolled_encode(const struct wire_device *dev);
int wire_enrolled_parse(const char *json, size_t len,
    struct wire_device *dev);

/* ---- the USB export ---- */

/*
 *   kiosk-sealed-export-v1\n<base64 of a sealed box to the authority>\n
 *
 * The box holds compact JSON {"format":"kiosk-export-v1","created_ms",
 * "device":{"id","pub","venue_id","venue_name","address","ward"},
 * "batches":[{"instance","first_seq","last_seq","count","digest",
 * "sent_at_ms","signature","body"}]}, each batch exactly as kiosk-sync
 * would upload it (body: base64 of the bytes the signature covers).
 */
struct wire_export_batch {
	struct wire_header h;
	unsigned char *body;		/* owned */
	size_t len;
};

struct wire_export {
	int64_t created_ms;
	struct wire_device dev;
	struct wire_export_batch *b;	/* owned */
	size_t n, cap;
};

/*
 * wire_export_add(x, h, body, len):
 * Append a signed batch (BODY copied). Returns 0, or -1 when out of
 * memory.
 */
int wire_export_add(struct wire_export *x, const struct wire_header *h,
    const unsigned char *body, size_t len);

/*
 * wire_export_seal(x, pk, out_len):
 * The file's bytes for X sealed to PK, in a new buffer (caller frees), or
 * NULL when out of memory. The clear text is wiped before it is freed.
 */
char *wire_export_seal(const struct wire_export *x,
    const unsigned char pk[KEYS_PUB_LEN], size_t *out_len);

/*
 * wire_export_open(text, len, authority, x, why):
 * Open a file's bytes with the authority's key and read it into *X:
 * the device with every field within its size and its id its key's, each
 * batch's header and body (signatures are the importer's to check against
 * the enrolled key). Returns 0, or -1 with *WHY set (not an export,
 * damaged, another key, not v1, malformed). Release with
 * wire_export_release.
 */
int wire_export_open(const char *text, size_t len,
    const struct key_pair *authority, struct wire_export *x,
    const char **why);

/* wire_export_release(x): free X's batches. */
void wire_export_release(struct wire_export *x);

#endif
