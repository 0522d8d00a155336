/*
 * passlist: a ward's pass list, as the collector serves it to the ward's
 * kiosks: the pass issuers the ward trusts and the passes revoked, with a
 * version that grows with every change. A signed document (signed_json.h) of
 * kind "KL1.", signed by the collector's key (the one the kiosk's
 * enrolment code carried), so a kiosk takes it only from its collector:
 *
 *   {"v":1, "ward", "version", "iss":["ed25519:...", ...],
 *    "revoked":["PASS-ID", ...]}
 *
 * kiosk-sync keeps the last one it took in the file pass_list (beside the
 * store), replaced whole; the kiosk adds it to its own trust and
 * revocation files (pass_trust_load, then passlist_apply).
 */
#ifndef KIOSK_PASSLIST_H
#define KIOSK_PASSLIST_H

#include <stddef.h>
#include <stdint.h>

#include "keys.h"
#include "pass.h"

#define PASSLIST_PREFIX "KL1."
#define PASSLIST_TEXT_MAX (4 * 1024 * 1024)
#define PASSLIST_ISSUERS_MAX 64
#define PASSLIST_REVOKED_MAX 50000

struct passlist {
	int64_t version;
	char ward[129];
	size_t n_issuers;
	unsigned char (*issuers)[KEYS_PUB_LEN];
	size_t n_revoked;
	char (*revoked)[PASS_ID_MAX + 1];
};

/*
 * passlist_make(signer, l): L signed by SIGNER as text (malloc'd), or NULL
 * (logged).
 */
char *passlist_make(const struct key_pair *signer, const struct passlist *l);

/*
 * passlist_read(text, len, pk, l):
 * Check TEXT is a pass list signed by PK and read it into *L (free with
 * passlist_free). Returns 0, or -1 (malformed, too long, not PK's).
 */
int passlist_read(const char *text, size_t len,
    const unsigned char pk[KEYS_PUB_LEN], struct passlist *l);

/*
 * passlist_load(path, pk, l): passlist_read of the file PATH. Returns 0,
 * 1 when there is no such file (an empty *L), -1 (logged).
 */
int passlist_load(const char *path, const unsigned char pk[KEYS_PUB_LEN],
    struct passlist *l);

/* passlist_apply(l, t): trust L's issuers and refuse its revoked passes
 * in T. 0, or -1 when out of memory. */
int passlist_apply(const struct passlist *l, struct pass_trust *t);

/* passlist_free(l): free what L holds; it is then empty. */
void passlist_free(struct passlist *l);

#endif
