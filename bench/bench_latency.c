/*
 * bench_latency: from a 640x480 frame arriving at the worker to its
 * check-in being durable (decoded, checked, sealed, fsync'd), through the
 * kiosk's own worker threads, over frames that each hold a new visitor's
 * code. The worker then wakes the UI, which draws the accepted screen at
 * once. Target: median under 100 ms.
 *
 * usage: bench_latency FRAMES_DIR   (made by the bench script)
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sodium.h>

#include "config.h"
#include "keys.h"
#include "ktime.h"
#include "log.h"
#include "worker.h"

static int
cmp_i64(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;

	return (x > y) - (x < y);
}

int
main(int argc, char **argv)
{
	char db[] = "/tmp/kiosk-latency-XXXXXX", path[128], spec[1100];
	struct worker_opts wo;
	struct worker_event ev;
	struct key_pair auth;
	struct config cfg;
	struct worker *w;
	int64_t lat[1024], t0;
	int n = 0, done = 0;

	if (argc != 2 || sodium_init() < 0 || mkdtemp(db) == NULL)
		return 2;
	log_set_level(LOG_WARN);
	snprintf(path, sizeof(path), "%s/visits.db", db);
	config_defaults(&cfg, path);
	keys_generate(KEY_X25519, &auth);
	memcpy(cfg.authority_pk, auth.pk, KEYS_PUB_LEN);
	cfg.have_authority = 1;
	snprintf(spec, sizeof(spec), "dir:%s", argv[1]);
	memset(&wo, 0, sizeof(wo));
	wo.db_path = path;
	wo.config = &cfg;
	wo.camera = spec;
	wo.camera_opts.interval_ms = 40;	/* a webcam's 25 frames a second */
	w = worker_start(&wo);
	if (w == NULL)
		return 1;
	t0 = ktime_mono_ms();
	while (!done && ktime_mono_ms() - t0 < 120000) {
		if (!worker_poll(w, &ev)) {
			usleep(1000);
			continue;
		}
		if (ev.type == WORKER_RESULT && ev.out.result ==
		    CHECKIN_ACCEPTED && n < 1024)
			lat[n++] = ev.done_ms - ev.arrived_ms;
		done = ev.type == WORKER_DONE;
	}
	worker_stop(w);
	if (n == 0) {
		fprintf(stderr, "bench_latency: no check-ins\n");
		return 1;
	}
	qsort(lat, (size_t)n, sizeof(lat[0]), cmp_i64);
	printf("latency: %d frames, frame arrival to durable check-in: median "
	    "%lld ms, p90 %lld ms, max %lld ms (then the screen is drawn); "
	    "target median < 100 ms %s\n", n,
	    (long long)lat[n / 2], (long long)lat[n * 9 / 10],
	    (long long)lat[n - 1], lat[n / 2] < 100 ? "OK" : "OVER");
	keys_wipe(&auth);
	snprintf(spec, sizeof(spec), "rm -rf '%s'", db);
	return system(spec) == 0 ? 0 : 1;
}
