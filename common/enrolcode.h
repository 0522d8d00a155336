/*
 * enrolcode: the enrolment code a ward prints for a venue (collector token
 * --qr/--pdf), which a kiosk with no settings scans to set itself up.
 *
 * A signed document (signed_json.h) of kind "KE1.", signed by the collector's
 * own key, whose public half it carries ("signer"): the kiosk checks the
 * code is whole and shows the signer's fingerprint, which the owner
 * compares with the one printed on the ward's sheet. Its JSON:
 *
 *   {"v":1, "url":collector URL, "tok":one-time enrolment token,
 *    "ward", "vid", "vname", "addr", "hours": the venue as the ward
 *    registered it, "auth":"x25519:..." the health authority's public key,
 *    "iss":["ed25519:...", ...] the ward's pass issuers, "exp": Unix s the
 *    token expires, "signer":"ed25519:..." the collector's key}
 */
#ifndef KIOSK_ENROLCODE_H
#define KIOSK_ENROLCODE_H

#include <stdint.h>

#include "keys.h"

#define ENROL_PREFIX "KE1."
#define ENROL_TEXT_MAX 2000	/* bytes of a code's text: a QR holds it */
#define ENROL_ISSUERS_MAX 4
#define ENROL_FPR_LEN 19	/* "ABCD-1234-EF56-7890" */

struct enrol_code {
	char url[257];
	char token[129];
	char ward[129];
	char venue_id[65];
	char venue_name[129];
	char address[257];
	char hours[128];
	unsigned char authority_pk[KEYS_PUB_LEN];
	unsigned char issuers[ENROL_ISSUERS_MAX][KEYS_PUB_LEN];
	int n_issuers;
	int64_t expires;		/* Unix seconds */
	unsigned char signer_pk[KEYS_PUB_LEN];
};

/* Why a text is not a code that can be used. */
enum enrol_error {
	ENROL_OK = 0,
	ENROL_NOT_CODE,		/* not an enrolment code at all */
	ENROL_DAMAGED,		/* its kind, but malformed or its signature
				 * does not hold */
	ENROL_EXPIRED		/* whole, but its token's time is over */
};

/*
 * enrol_code_make(signer, c, out):
 * C signed by SIGNER (the collector's Ed25519 key; C->signer_pk is taken
 * from it) as text into *OUT (malloc'd). Returns 0, or -1 (logged: a field
 * too long, out of memory, a code too long for a QR).
 */
int enrol_code_make(const struct key_pair *signer, struct enrol_code *c,
    char **out);

/*
 * enrol_code_read(text, len, now_s, c):
 * Check TEXT is a whole enrolment code, signed by the key it carries, and
 * not expired at NOW_S; its fields into *C. Returns ENROL_OK or why not.
 */
enum enrol_error enrol_code_read(const char *text, size_t len, int64_t now_s,
    struct enrol_code *c);

/* enrol_fingerprint(pk, out): the signer key's fingerprint for people to
 * compare, "ABCD-1234-EF56-7890" (its key id, upper case, in fours). */
void enrol_fingerprint(const unsigned char pk[KEYS_PUB_LEN],
    char out[ENROL_FPR_LEN + 1]);

#endif
