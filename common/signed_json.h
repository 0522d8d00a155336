/*
 * signed_json: a JSON document signed with an Ed25519 key, as one line of text
 * that fits a QR code or an HTTP body:
 *
 *   PREFIX base64url(JSON) "." base64url(signature over PREFIX base64url(JSON))
 *
 * The prefix names the kind and its version ("KE1." an enrolment code,
 * "KL1." a ward's pass list), and is signed with the body, so a document
 * of one kind is never taken for another.
 */
#ifndef KIOSK_SIGNED_JSON_H
#define KIOSK_SIGNED_JSON_H

#include <stddef.h>

#include <jansson.h>

#include "keys.h"

/*
 * signed_wrap(prefix, body, key):
 * The text form of BODY signed by KEY (Ed25519), malloc'd, or NULL (out of
 * memory, or not an Ed25519 key).
 */
char *signed_wrap(const char *prefix, const json_t *body,
    const struct key_pair *key);

/*
 * signed_unwrap(prefix, text, len, max, pk):
 * Check TEXT (LEN bytes, at most MAX) is PREFIX's kind and signed by PK
 * and answer its JSON object (the caller decrefs), or NULL when it is not:
 * another kind, malformed, too long, or not signed by PK.
 * signed_peek(prefix, text, len, max): the same JSON before any signature
 * is checked (to find the key to check it with); NULL when malformed.
 */
json_t *signed_unwrap(const char *prefix, const char *text, size_t len,
    size_t max, const unsigned char pk[KEYS_PUB_LEN]);
json_t *signed_peek(const char *prefix, const char *text, size_t len,
    size_t max);

/*
 * signed_str(o, key, max): the string member KEY of O when it is at most
 * MAX bytes of text with no NUL; else NULL.
 * signed_int(o, key, out): the integer member KEY of O into *OUT; 0, or -1.
 */
const char *signed_str(const json_t *o, const char *key, size_t max);
int signed_int(const json_t *o, const char *key, long long *out);

#endif
