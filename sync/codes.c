/*
 * codes: see codes.h. Direct-mapped by a hash of the code; the code's
 * hash is kept whole, so a collision is a miss, never a wrong venue.
 */
#include "codes.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

struct entry {
	unsigned char h[32];
	int64_t until_ms;		/* 0: empty */
	struct venue_token vt;
	char name[160];
};

struct codes {
	pthread_mutex_t lock;
	struct entry e[CODES_SLOTS];
};

struct codes *
codes_new(void)
{
	struct codes *c = calloc(1, sizeof(*c));

	if (c == NULL || sodium_init() < 0) {
		free(c);
		return NULL;
	}
	pthread_mutex_init(&c->lock, NULL);
	return c;
}

void
codes_free(struct codes *c)
{
	if (c == NULL)
		return;
	pthread_mutex_destroy(&c->lock);
	free(c);
}

/* TOKEN's hash into H; its slot. */
static size_t
slot_of(const char *token, unsigned char h[32])
{
	size_t s;

	crypto_generichash(h, 32, (const unsigned char *)token, strlen(token),
	    NULL, 0);
	memcpy(&s, h, sizeof(s));
	return s % CODES_SLOTS;
}

int
codes_get(struct codes *c, const char *token, int64_t now_ms,
    struct venue_token *vt, char *name, size_t size)
{
	unsigned char h[32];
	struct entry *e = &c->e[slot_of(token, h)];
	int found = 0;

	pthread_mutex_lock(&c->lock);
	if (e->until_ms > now_ms && memcmp(e->h, h, sizeof(h)) == 0) {
		*vt = e->vt;
		snprintf(name, size, "%s", e->name);
		found = 1;
	}
	pthread_mutex_unlock(&c->lock);
	return found;
}

void
codes_put(struct codes *c, const char *token, int64_t now_ms,
    int64_t expires_ms, const struct venue_token *vt, const char *name)
{
	unsigned char h[32];
	struct entry *e = &c->e[slot_of(token, h)];

	pthread_mutex_lock(&c->lock);
	memcpy(e->h, h, sizeof(h));
	e->until_ms = expires_ms < now_ms + CODES_TTL_MS ? expires_ms :
	    now_ms + CODES_TTL_MS;
	e->vt = *vt;
	snprintf(e->name, sizeof(e->name), "%s", name);
	pthread_mutex_unlock(&c->lock);
}
