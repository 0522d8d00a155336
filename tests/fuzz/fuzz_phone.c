/*
 * fuzz_phone: payload_parse_phone() alone, on NUL-terminated text that has
 * been through payload_clean() as in the real path.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "payload.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char clean[PAYLOAD_MAX_BYTES + 1];
	struct payload_opts opts = { 1795345995000LL, NULL };
	struct payload p;
	enum reason r = REASON_NONE;
	int rc;

	if (payload_clean((const char *)data, size, clean, sizeof(clean),
	    &r) < 0)
		return 0;
	(void)opts;
	rc = payload_parse_phone(clean, &p, &r);
	if ((rc == 0) != (r == REASON_NONE) || (rc == 0 && p.id[0] == '\0'))
		abort();
	return 0;
}
