/*
 * pass: the project's own signed passes, for visitors with no ID card and
 * for ward patrol officers.
 *
 * Text form (fits a QR code; URL-safe base64 without padding):
 *
 *   KP1.<base64url(body)>.<base64url(Ed25519 signature over body)>
 *
 * where body is compact JSON:
 *   {"v":1,"id":"...","role":"visitor"|"officer","name":"...",
 *    "iss":"<issuer key id>","nbf":<unix s>,"exp":<unix s>}
 *
 * A kiosk trusts the issuer public keys listed in its trust file (one
 * "ed25519:<b64> [label]" line each, '#' comments) and refuses the pass ids
 * listed in its revocation file (one id a line). This module checks the
 * signature and the times; it does not touch the store.
 */
#ifndef KIOSK_PASS_H
#define KIOSK_PASS_H

#include <stddef.h>
#include <stdint.h>

#include "keys.h"
#include "reason.h"

#define PASS_PREFIX "KP1."
#define PASS_ID_MAX 32		/* bytes of a pass id: [A-Za-z0-9_-]{4,32} */
#define PASS_NAME_MAX 100	/* bytes of a display name */
#define PASS_TEXT_MAX 640	/* bytes of a pass's text form */
#define PASS_SKEW_MS (120 * 1000)	/* clock slack before not-before */

enum pass_role { PASS_VISITOR, PASS_OFFICER };

struct pass_info {
	char id[PASS_ID_MAX + 1];
	enum pass_role role;
	char name[PASS_NAME_MAX + 1];
	char issuer[KEYS_ID_LEN + 1];
	int64_t not_before;	/* Unix seconds */
	int64_t expires;	/* Unix seconds */
};

struct pass_trust;

/*
 * pass_trust_new():
 * An empty trust list. Returns it (caller frees with pass_trust_free), or
 * NULL when out of memory.
 */
struct pass_trust *pass_trust_new(void);

/*
 * pass_trust_load(trust_path, revoked_path):
 * A trust list read from TRUST_PATH and a revocation list from
 * REVOKED_PATH. Either path may be NULL or name a missing file (an empty
 * list, logged at info level). A malformed line is logged with its number
 * and skipped. Returns the list (caller frees), or NULL on a read error.
 */
struct pass_trust *pass_trust_load(const char *trust_path,
    const char *revoked_path);

/*
 * pass_trust_add(t, pk):
 * Trust the issuer public key PK. Returns 0, or -1 when out of memory.
 */
int pass_trust_add(struct pass_trust *t, const unsigned char pk[KEYS_PUB_LEN]);

/*
 * pass_trust_revoke(t, id):
 * Refuse the pass ID from now on. Returns 0, or -1 when out of memory.
 */
int pass_trust_revoke(struct pass_trust *t, const char *id);

/* pass_trust_count(t): how many issuers T trusts. */
size_t pass_trust_count(const struct pass_trust *t);

/* pass_trust_free(t): free T; NULL does nothing. */
void pass_trust_free(struct pass_trust *t);

/*
 * pass_issue(issuer, info, out, size):
 * Sign INFO with the Ed25519 key ISSUER (INFO->issuer is filled from the
 * key) and write the pass text into OUT. An empty INFO->id gets a random
 * one. Returns 0, or -1 with a logged reason (bad field, OUT too small).
 */
int pass_issue(const struct key_pair *issuer, struct pass_info *info,
    char *out, size_t size);

/*
 * pass_verify(t, text, len, now_ms, out, reason):
 * Check the pass TEXT (LEN bytes, already stripped of scanner framing)
 * against T at wall time NOW_MS. On success fills *OUT and returns 0; else
 * sets *REASON (format, unknown issuer, bad signature, not yet valid,
 * expired, revoked) and returns -1. Nothing is logged: the text may be
 * anybody's.
 */
int pass_verify(const struct pass_trust *t, const char *text, size_t len,
    int64_t now_ms, struct pass_info *out, enum reason *reason);

/*
 * pass_check(t, text, len, earliest_ms, latest_ms, out, reason):
 * pass_verify when the time is only known to lie in [EARLIEST_MS,
 * LATEST_MS] (a kiosk clock that cannot be trusted, clock.h): a pass is
 * expired only if it was by EARLIEST_MS, not yet valid only if it is not
 * by LATEST_MS.
 */
int pass_check(const struct pass_trust *t, const char *text, size_t len,
    int64_t earliest_ms, int64_t latest_ms, struct pass_info *out,
    enum reason *reason);

#endif
