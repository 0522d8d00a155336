/*
 * fuzz_enrol: the set-up's parsers on any bytes: enrol_code_read() (the
 * enrolment code a kiosk's camera reads) and passlist_read() (the ward's
 * pass list kiosk-sync takes), against a fixed collector key. A code or a
 * list made with that key from the fuzzed venue name and pass id reads
 * back the same.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "enrolcode.h"
#include "keys.h"
#include "passlist.h"

static struct key_pair signer;
static int ready;

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct enrol_code c, back;
	struct passlist l, lb;
	unsigned char iss[1][KEYS_PUB_LEN];
	char rev[1][PASS_ID_MAX + 1], *text;
	enum enrol_error e;

	if (!ready) {
		unsigned char seed[32] = { 7 };

		if (sodium_init() < 0)
			abort();
		signer.type = KEY_ED25519;
		crypto_sign_seed_keypair(signer.pk, signer.sk, seed);
		ready = 1;
	}
	e = enrol_code_read((const char *)data, size, 1795345995, &c);
	if (e == ENROL_OK && (c.token[0] == '\0' || c.url[0] == '\0' ||
	    c.venue_id[0] == '\0' || c.n_issuers > ENROL_ISSUERS_MAX))
		abort();
	if (passlist_read((const char *)data, size, signer.pk, &l) == 0) {
		if (l.n_issuers > PASSLIST_ISSUERS_MAX ||
		    l.n_revoked > PASSLIST_REVOKED_MAX || l.version < 0)
			abort();
		passlist_free(&l);
	}

	/* Round trips: what make takes, read takes back the same. */
	memset(&c, 0, sizeof(c));
	memcpy(c.url, "https://collector.example.vn", 29);
	memcpy(c.token, "tok", 4);
	memcpy(c.ward, "Phường Bến Nghé", strlen("Phường Bến Nghé") + 1);
	memcpy(c.venue_id, "Q1-CAFE-001", 12);
	memcpy(c.venue_name, data, size < 128 ? size : 128);
	c.venue_name[size < 128 ? size : 128] = '\0';
	c.expires = 1795345995 + 86400;
	if (strlen(c.venue_name) == (size < 128 ? size : 128) &&
	    enrol_code_make(&signer, &c, &text) == 0) {
		if (enrol_code_read(text, strlen(text), 1795345995, &back) !=
		    ENROL_OK || strcmp(back.venue_name, c.venue_name) != 0 ||
		    memcmp(back.signer_pk, signer.pk, KEYS_PUB_LEN) != 0)
			abort();
		free(text);
	}
	memset(&l, 0, sizeof(l));
	memcpy(iss[0], signer.pk, KEYS_PUB_LEN);
	memcpy(rev[0], "P-0001", 7);
	l.version = (int64_t)size;
	memcpy(l.ward, "Phường Bến Nghé", strlen("Phường Bến Nghé") + 1);
	l.issuers = iss;
	l.n_issuers = 1;
	l.revoked = rev;
	l.n_revoked = 1;
	text = passlist_make(&signer, &l);
	if (text == NULL || passlist_read(text, strlen(text), signer.pk,
	    &lb) != 0 || lb.version != (int64_t)size || lb.n_revoked != 1 ||
	    strcmp(lb.revoked[0], "P-0001") != 0)
		abort();
	passlist_free(&lb);
	free(text);
	return 0;
}
