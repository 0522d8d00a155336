/*
 * token: what the kiosk signs with its device key (Ed25519).
 *
 *   venue token  the rotating venue QR: the URL a phone opens,
 *                <collector>/c/<token>, where token =
 *                base64url({"v":1,"venue":ID,"dev":KEYID,"slot":N,"p":S})
 *                "." base64url(signature); slot = Unix time / period S,
 *                so a photo of the QR goes stale after a period.
 *   receipt      the patrol screen's QR: "KR1.<b64url(body)>.<b64url(sig)>"
 *                with the compliance figures as JSON (no personal data).
 *
 * The collector checks both against the enrolled device public key.
 */
#ifndef KIOSK_TOKEN_H
#define KIOSK_TOKEN_H

#include <stddef.h>
#include <stdint.h>

#include "keys.h"

#define TOKEN_URL_MAX 512
/* A venue code's period, seconds: a photo of it goes stale after two. */
#define TOKEN_PERIOD_MIN 10
#define TOKEN_PERIOD_MAX 600
#define TOKEN_RECEIPT_MAX 1024
#define RECEIPT_PREFIX "KR1."

/*
 * token_venue_url(device, base_url, venue_id, slot, period_s, out, size):
 * The signed venue check-in URL for time slot SLOT of PERIOD_S seconds.
 * Returns 0, or -1 if OUT is too small.
 */
int token_venue_url(const struct key_pair *device, const char *base_url,
    const char *venue_id, int64_t slot, int period_s, char *out,
    size_t size);

struct venue_token {
	char venue_id[65];
	char device[KEYS_ID_LEN + 1];
	int64_t slot;
	int period_s;
};

/*
 * token_venue_peek(token, out):
 * The fields of a venue TOKEN before its signature is checked (to find
 * the device key to check it with). Returns 0, or -1 when malformed
 * (a period outside [TOKEN_PERIOD_MIN, TOKEN_PERIOD_MAX] is).
 */
int token_venue_peek(const char *token, struct venue_token *out);

/*
 * token_venue_verify(pk, token, venue_id, slot):
 * Check a venue TOKEN (the part after "/c/") against the device public key
 * PK; on success store its venue id (at most 64 bytes + NUL) and slot.
 * Returns 0, or -1 when it is malformed or not signed by PK.
 */
int token_venue_verify(const unsigned char pk[KEYS_PUB_LEN],
    const char *token, char venue_id[65], int64_t *slot);

/*
 * token_receipt(device, body_json, out, size):
 * Sign the compact JSON BODY_JSON into a receipt text. Returns 0, or -1 if
 * OUT is too small.
 */
int token_receipt(const struct key_pair *device, const char *body_json,
    char *out, size_t size);

/*
 * token_receipt_verify(pk, text, body, size):
 * Check a receipt TEXT against device public key PK and copy its JSON body
 * into BODY. Returns 0, or -1 when malformed, altered or signed by another
 * key.
 */
int token_receipt_verify(const unsigned char pk[KEYS_PUB_LEN],
    const char *text, char *body, size_t size);

#endif
