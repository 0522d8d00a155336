/*
 * fuzz_shards: the district shards file (collector init --shards FILE,
 * sync/db_pg_shards.c) on any bytes. It is read and checked without opening
 * anything: it must be taken or refused cleanly, never crash or leak.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "db_impl.h"
#include "log.h"

static char dir[64], in[96];

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	FILE *f;

	if (dir[0] == '\0') {
		log_set_level(LOG_NONE);
		snprintf(dir, sizeof(dir), "/tmp/fuzz-shards-XXXXXX");
		if (mkdtemp(dir) == NULL)
			abort();
		snprintf(in, sizeof(in), "%s/shards.json", dir);
	}
	f = fopen(in, "wb");
	if (f == NULL)
		abort();
	fwrite(data, 1, size, f);
	fclose(f);
	(void)shards_check_file(in);
	return 0;
}
