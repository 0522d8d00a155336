/*
 * setupflow: the kiosk app's side of the set-up by enrolment code
 * (enrol.h): a code read by the camera or the scanner is checked, a new
 * admin PIN made, and the request left for kiosk-sync; then kiosk-sync's
 * word and the settings file it writes are watched, and what the set-up
 * screen is to show is handed out (struct screen_setup). No SDL here: the
 * tests drive it as kiosk.c does.
 */
#ifndef KIOSK_SETUPFLOW_H
#define KIOSK_SETUPFLOW_H

#include <stddef.h>
#include <stdint.h>

#include "screen.h"

struct setupflow;

/* setupflow_new(db_path, config_path): NULL when out of memory. */
struct setupflow *setupflow_new(const char *db_path, const char *config_path);
void setupflow_free(struct setupflow *f);

/* The worker's on_text (worker.h): a code read, on the worker's thread. */
void setupflow_text(void *f, const char *text, size_t len);

/*
 * setupflow_poll(f, now_ms, out):
 * Look at kiosk-sync's word and the settings (at most every half second
 * of NOW_MS, a monotonic clock); *OUT gets what to show. Returns 1 when
 * that changed since the last call, else 0.
 */
int setupflow_poll(struct setupflow *f, int64_t now_ms,
    struct screen_setup *out);

/* How long, in ms, kiosk-sync may be silent about a request before the
 * screen says it is not running. */
#define SETUPFLOW_NO_SYNC_MS 20000

#endif
