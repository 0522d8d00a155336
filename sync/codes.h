/*
 * codes: the venue codes the collector checked lately, so that the many
 * phones that scan one venue's code within its minute cost one signature
 * check and one look-up, not one each. An entry lives at most
 * CODES_TTL_MS (a revoked kiosk's code stops working within that) and
 * never past the code's own validity. Thread-safe; bounded (CODES_SLOTS,
 * the newest code wins a slot).
 */
#ifndef KIOSK_CODES_H
#define KIOSK_CODES_H

#include <stddef.h>
#include <stdint.h>

#include "token.h"

#define CODES_SLOTS 4096
#define CODES_TTL_MS 10000

struct codes;

/* codes_new(): an empty cache, or NULL. codes_free(c): NULL is fine. */
struct codes *codes_new(void);
void codes_free(struct codes *c);

/*
 * codes_get(c, token, now_ms, vt, name, size):
 * TOKEN's checked fields and venue name, when it was checked and put in
 * less than CODES_TTL_MS ago. Returns 1 found, 0 not.
 * codes_put(c, token, now_ms, expires_ms, vt, name): remember a code
 * that checked out, until min(EXPIRES_MS, NOW_MS + CODES_TTL_MS).
 */
int codes_get(struct codes *c, const char *token, int64_t now_ms,
    struct venue_token *vt, char *name, size_t size);
void codes_put(struct codes *c, const char *token, int64_t now_ms,
    int64_t expires_ms, const struct venue_token *vt, const char *name);

#endif
