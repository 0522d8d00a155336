/*
 * fuzz_text: the small parsers of what people type, on any bytes: ward
 * names (wardname.h) and opening hours (hours.h). A ward key is stable (a
 * key's key is itself) and at distance 0 from itself; hours parse or say
 * why, and what they give is at most the time asked about.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "hours.h"
#include "wardname.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char text[512], key[WARD_KEY_MAX], again[WARD_KEY_MAX];
	struct hours h;
	const char *why = NULL;
	int64_t day = 1795300000000LL, open;

	if (size >= sizeof(text))
		return 0;
	memcpy(text, data, size);
	text[size] = '\0';
	if (ward_key(text, key, sizeof(key)) == 0) {
		if (ward_key(key, again, sizeof(again)) != 0 ||
		    strcmp(key, again) != 0 || ward_distance(key, key) != 0)
			abort();
	}
	if (hours_parse(text, &h, &why) != 0) {
		if (why == NULL)
			abort();
		return 0;
	}
	open = hours_open_ms(&h, day, day + 86400000LL);
	if (open < 0 || open > 86400000LL)
		abort();
	return 0;
}
