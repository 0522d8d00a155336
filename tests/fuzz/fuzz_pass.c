/*
 * fuzz_pass: pass_verify() on any bytes, against a trust list holding the
 * seed key. Also checks that a pass issued by that key for the fuzzed name
 * verifies back to the same name.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "keys.h"
#include "pass.h"

static struct pass_trust *trust;
static struct key_pair issuer;

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char text[PASS_TEXT_MAX + 1];
	struct pass_info info, back;
	enum reason r = REASON_NONE;
	int64_t now = 1795345995000LL;

	if (trust == NULL) {
		unsigned char seed[32] = { 1 };

		if (sodium_init() < 0)
			abort();
		issuer.type = KEY_ED25519;
		crypto_sign_seed_keypair(issuer.pk, issuer.sk, seed);
		trust = pass_trust_new();
		pass_trust_add(trust, issuer.pk);
	}
	if (pass_verify(trust, (const char *)data, size, now, &info, &r) == 0) {
		if (info.id[0] == '\0' || info.expires * 1000 <= now)
			abort();
	} else if (r == REASON_NONE) {
		abort();
	}

	/* Round trip: whatever name pass_issue accepts must verify. */
	memset(&info, 0, sizeof(info));
	if (size > PASS_NAME_MAX)
		size = PASS_NAME_MAX;
	memcpy(info.name, data, size);
	info.name[size] = '\0';
	memcpy(info.id, "fuzz-pass", 10);
	info.not_before = now / 1000 - 10;
	info.expires = now / 1000 + 10;
	if (pass_issue(&issuer, &info, text, sizeof(text)) == 0) {
		if (pass_verify(trust, text, strlen(text), now, &back, &r) != 0 ||
		    strcmp(back.name, info.name) != 0)
			abort();
	}
	return 0;
}
