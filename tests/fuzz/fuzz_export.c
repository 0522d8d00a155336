/*
 * fuzz_export: what `collector import` reads once the authority's key has
 * opened the sealed box (the seal itself is the crypto boundary): the
 * export JSON, its device block and every batch entry, then each batch's
 * body down the same inflate and strict parse as an upload. Must never
 * crash; a device accepted has an id that is its key's.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "batch.h"
#include "export_file.h"
#include "keys.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct db_device dev;
	char id[KEYS_ID_LEN + 1];
	const char *why;
	json_t *x, *b;
	size_t i;

	x = json_loadb((const char *)data, size, JSON_REJECT_DUPLICATES, NULL);
	if (x == NULL)
		return 0;
	if (export_device(json_object_get(x, "device"), &dev, &why) == 0) {
		keys_id(dev.pk, id);
		if (strcmp(id, dev.device_id) != 0)
			abort();
	}
	json_array_foreach(json_object_get(x, "batches"), i, b) {
		struct batch_header h;
		struct batch_visit *v;
		unsigned char *z;
		char *json, err[160];
		size_t zlen, jlen, n;

		if (export_batch(b, "0123456789abcdef", &h, &z, &zlen,
		    &why) != 0)
			continue;
		if (batch_inflate(z, zlen, 64 * 1024, &json, &jlen) == 0) {
			if (batch_parse(json, jlen, &h, 1795345995000LL, &v,
			    &n, err, sizeof(err)) == 0)
				batch_visits_free(v, n);
			free(json);
		}
		free(z);
	}
	json_decref(x);
	return 0;
}
