/*
 * fuzz_payload: the whole entry point a scan goes through. Any bytes at
 * all: must return 0 with a kind or -1 with a reason, never crash, never
 * read out of bounds, and never accept a text without a subject id.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "keys.h"
#include "pass.h"
#include "payload.h"

static struct pass_trust *trust;

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct payload_opts opts;
	struct payload p;
	enum reason r = REASON_NONE;

	if (trust == NULL) {
		/* The key behind the seed passes (see seeds/README). */
		unsigned char seed[32] = { 1 };
		unsigned char pk[32], sk[64];

		if (sodium_init() < 0)
			abort();
		crypto_sign_seed_keypair(pk, sk, seed);
		trust = pass_trust_new();
		pass_trust_add(trust, pk);
	}
	opts.now_ms = 1795345995000LL;	/* 2026-11-22 */
	opts.trust = trust;
	if (payload_parse(&opts, (const char *)data, size, &p, &r) == 0) {
		if (p.id[0] == '\0' || r != REASON_NONE)
			abort();
		free(payload_personal_json(&p));
	} else if (r == REASON_NONE || r >= REASON_COUNT) {
		abort();
	}
	return 0;
}
