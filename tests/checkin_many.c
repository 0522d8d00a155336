/*
 * checkin_many DB: check in every line of stdin through checkin_scan(),
 * the kiosk's own path, in one process (kioskctl per line would spend its
 * time starting up). For the sync tests and benchmarks. Exits 1 if any
 * line was not accepted.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "checkin.h"
#include "config.h"
#include "ktime.h"
#include "log.h"
#include "pass.h"
#include "store.h"

int
main(int argc, char **argv)
{
	struct checkin_ctx ctx;
	struct checkin_out out;
	struct config c;
	char path[1024], line[2048];
	struct store *s;
	long n = 0, bad = 0;

	if (argc != 2 || sodium_init() < 0)
		return 2;
	log_set_level(LOG_WARN);
	config_defaults(&c, argv[1]);
	if (config_path_for(argv[1], path, sizeof(path)) != 0 ||
	    config_load(path, &c) != 0)
		return 1;
	s = store_open(argv[1]);
	if (s == NULL)
		return 1;
	ctx.store = s;
	ctx.config = &c;
	ctx.trust = NULL;
	while (fgets(line, sizeof(line), stdin) != NULL) {
		if (checkin_scan(&ctx, line, strlen(line), "scanner",
		    ktime_wall_ms(), &out) != 0 ||
		    out.result != CHECKIN_ACCEPTED)
			bad++;
		n++;
	}
	store_close(s);
	fprintf(stderr, "checkin_many: %ld lines, %ld not accepted\n", n, bad);
	return bad ? 1 : 0;
}
