/*
 * fuzz_export: what `collector import` reads. The input is taken as the
 * JSON inside the sealed box: it is sealed here to a fixed authority key
 * and the file opened with wire_export_open, so the fuzzer drives the
 * device block, every batch entry and their bodies through the same code
 * as a real stick. Must never crash; a device accepted has an id that is
 * its key's, and every batch body then goes down the upload's parser.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "keys.h"
#include "seal.h"
#include "wire.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char magic[] = "kiosk-sealed-export-v1\n";

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct key_pair authority;
	static int ready;
	struct wire_export x;
	char id[KEYS_ID_LEN + 1], *file, err[160];
	unsigned char *box;
	const char *why;
	size_t blen, flen, i;

	if (!ready) {
		unsigned char seed[32] = { 7 };

		if (sodium_init() < 0)
			return 0;
		authority.type = KEY_X25519;
		crypto_box_seed_keypair(authority.pk, authority.sk, seed);
		ready = 1;
	}
	box = seal_box(authority.pk, (const char *)data, size, &blen);
	if (box == NULL)
		return 0;
	flen = sizeof(magic) - 1 + sodium_base64_ENCODED_LEN(blen,
	    sodium_base64_VARIANT_ORIGINAL);
	file = malloc(flen);
	if (file == NULL) {
		free(box);
		return 0;
	}
	memcpy(file, magic, sizeof(magic) - 1);
	sodium_bin2base64(file + sizeof(magic) - 1, flen - sizeof(magic) + 1,
	    box, blen, sodium_base64_VARIANT_ORIGINAL);
	free(box);
	if (wire_export_open(file, strlen(file), &authority, &x, &why) == 0) {
		keys_id(x.dev.pk, id);
		if (strcmp(id, x.dev.device_id) != 0)
			abort();
		for (i = 0; i < x.n; i++) {
			struct wire_visit *v;
			size_t n;

			if (wire_batch_decode(x.b[i].body, x.b[i].len,
			    &x.b[i].h, 1795345995000LL, &v, &n, err,
			    sizeof(err)) == 0)
				wire_visits_free(v, n);
		}
		wire_export_release(&x);
	}
	free(file);
	return 0;
}
