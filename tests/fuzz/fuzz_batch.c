/*
 * fuzz_batch: the collector's batch path on any bytes: inflate (bounded,
 * bombs refused) and the strict row parser (wire_batch_decode). Must
 * never crash; a row accepted must have passed every rule.
 *
 * The first byte picks the form: with its high bit the rest is taken as
 * sent (compressed); without, the rest is the batch's JSON, compressed
 * here, so the parser sees every input the fuzzer makes.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <zlib.h>

#include "wire.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct wire_header h;
	struct wire_visit *v;
	unsigned char *z = NULL;
	const unsigned char *body = data + 1;
	uLongf zlen = 0;
	char err[160];
	size_t n, i;

	if (size < 1)
		return 0;
	memset(&h, 0, sizeof(h));
	h.first_seq = 1;
	h.last_seq = 1000;
	h.count = (data[0] & 7) + 1;
	zlen = size - 1;
	if (!(data[0] & 0x80)) {
		zlen = compressBound((uLong)(size - 1));
		z = malloc(zlen);
		if (z == NULL || compress2(z, &zlen, data + 1, (uLong)(size - 1),
		    1) != Z_OK) {
			free(z);
			return 0;
		}
		body = z;
	}
	if (wire_batch_decode(body, zlen, &h, 1795345995000LL, &v, &n, err,
	    sizeof(err)) == 0) {
		for (i = 0; i < n; i++)
			/* Any wall_ms is kept: a wrong clock is not the
			 * visitor's fault, and the collector files an
			 * impossible time at arrival (db.c). */
			if (v[i].reject == NULL && (v[i].seq < 1 ||
			    v[i].seq > 1000 || v[i].subject[0] == '\0'))
				abort();
		wire_visits_free(v, n);
	}
	free(z);
	return 0;
}
