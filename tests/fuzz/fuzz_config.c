/*
 * fuzz_config: the kiosk.conf parser on any bytes. Loading must fail
 * cleanly, or give settings that save and load back the same.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "config.h"
#include "log.h"

static char dir[64], in[96], out[96];

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct config c, back;
	FILE *f;

	if (dir[0] == '\0') {
		log_set_level(LOG_NONE);
		snprintf(dir, sizeof(dir), "/tmp/fuzz-config-XXXXXX");
		if (mkdtemp(dir) == NULL)
			abort();
		snprintf(in, sizeof(in), "%s/in.conf", dir);
		snprintf(out, sizeof(out), "%s/out.conf", dir);
	}
	f = fopen(in, "wb");
	if (f == NULL)
		abort();
	fwrite(data, 1, size, f);
	fclose(f);
	config_defaults(&c, "/var/lib/kiosk/visits.db");
	if (config_load(in, &c) != 0)
		return 0;
	if (config_save(out, &c) != 0)
		abort();
	config_defaults(&back, "/var/lib/kiosk/visits.db");
	if (config_load(out, &back) != 0 ||
	    strcmp(back.venue_id, c.venue_id) != 0 ||
	    strcmp(back.venue_name, c.venue_name) != 0 ||
	    strcmp(back.address, c.address) != 0 ||
	    strcmp(back.ward, c.ward) != 0 ||
	    strcmp(back.trust_file, c.trust_file) != 0 ||
	    back.rescan_window_s != c.rescan_window_s ||
	    back.rescan != c.rescan ||
	    back.retention_days != c.retention_days ||
	    back.have_authority != c.have_authority ||
	    strcmp(back.hours, c.hours) != 0)
		abort();
	return 0;
}
