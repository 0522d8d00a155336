/*
 * limit: token buckets keyed by text (a client's address, a venue code, a
 * venue's time slot), for the collector's phone check-in. A bucket holds
 * at most BURST tokens and gains PER_MIN a minute; a request takes one or
 * is refused with the time until one is there. With PER_MIN 0 a bucket is
 * a plain cap that never refills (a slot's visits).
 *
 * The table is bounded (LIMIT_SLOTS keys); when it is full the key used
 * longest ago is forgotten, which can only make a limit kinder, never
 * lock anybody out. Limits are per collector process: behind a proxy, the
 * proxy's own limits (deploy/nginx/) come first. Thread-safe.
 */
#ifndef KIOSK_LIMIT_H
#define KIOSK_LIMIT_H

#include <stdint.h>

#define LIMIT_SLOTS 16384

struct limit;

/* limit_new(): an empty table, or NULL when out of memory. */
struct limit *limit_new(void);

/* limit_free(l): free L; NULL does nothing. */
void limit_free(struct limit *l);

/*
 * limit_take(l, key, burst, per_min, now_ms, retry_ms):
 * Take a token from KEY's bucket (a new key's is full). Returns 0 when
 * there was one, or 1 with *RETRY_MS the milliseconds until one will be
 * (for PER_MIN 0: until the key is forgotten, at most a day).
 */
int limit_take(struct limit *l, const char *key, int64_t burst,
    int64_t per_min, int64_t now_ms, int64_t *retry_ms);

#endif
