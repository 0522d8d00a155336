/*
 * fuzz_batch: the collector's batch path on any bytes: inflate (bounded,
 * bombs refused) and the strict row parser. Must never crash; a row
 * accepted must have passed every rule.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "batch.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct batch_header h;
	struct batch_visit *v;
	char err[160], *json = NULL;
	size_t n, jlen, i;

	if (size < 1)
		return 0;
	memset(&h, 0, sizeof(h));
	h.first_seq = 1;
	h.last_seq = 1000;
	h.count = (data[0] & 7) + 1;
	if (data[0] & 0x80) {
		/* As sent: compressed. */
		if (batch_inflate(data + 1, size - 1, 64 * 1024, &json,
		    &jlen) != 0)
			return 0;
	} else {
		json = malloc(size);
		if (json == NULL)
			return 0;
		memcpy(json, data + 1, size - 1);
		jlen = size - 1;
	}
	if (batch_parse(json, jlen, &h, 1795345995000LL, &v, &n, err,
	    sizeof(err)) == 0) {
		for (i = 0; i < n; i++)
			if (v[i].reject == NULL && (v[i].seq < 1 ||
			    v[i].seq > 1000 || v[i].wall_ms <= 0 ||
			    v[i].subject[0] == '\0'))
				abort();
		batch_visits_free(v, n);
	}
	free(json);
	return 0;
}
