/*
 * limit: see limit.h. An open-addressed table of buckets by a keyed hash
 * of the key (a random key per process: nobody can aim keys at one
 * slot). Tokens are counted in thousandths, so a refill of a few a minute
 * is exact in integers.
 */
#include "limit.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#define MILLI 1000
#define PROBE 16		/* slots looked at for a key */
#define DAY_MS INT64_C(86400000)

struct bucket {
	uint64_t h;		/* 0: free */
	int64_t milli;		/* tokens, in thousandths */
	int64_t at_ms;		/* when last filled or taken from */
};

struct limit {
	pthread_mutex_t lock;
	unsigned char key[crypto_shorthash_KEYBYTES];
	struct bucket b[LIMIT_SLOTS];
};

struct limit *
limit_new(void)
{
	struct limit *l = calloc(1, sizeof(*l));

	if (l == NULL)
		return NULL;
	if (sodium_init() < 0 || pthread_mutex_init(&l->lock, NULL) != 0) {
		free(l);
		return NULL;
	}
	crypto_shorthash_keygen(l->key);
	return l;
}

void
limit_free(struct limit *l)
{
	if (l == NULL)
		return;
	pthread_mutex_destroy(&l->lock);
	free(l);
}

/* KEY's bucket, found or made (forgetting the stalest of its probe). */
static struct bucket *
bucket_of(struct limit *l, const char *key, int64_t burst, int64_t now_ms)
{
	unsigned char out[crypto_shorthash_BYTES];
	struct bucket *b, *stalest = NULL;
	uint64_t h;
	size_t i, at;

	crypto_shorthash(out, (const unsigned char *)key, strlen(key), l->key);
	memcpy(&h, out, sizeof(h));
	h |= 1;			/* never 0: 0 marks a free slot */
	at = (size_t)(h % LIMIT_SLOTS);
	for (i = 0; i < PROBE; i++) {
		b = &l->b[(at + i) % LIMIT_SLOTS];
		if (b->h == h)
			return b;
		if (b->h == 0 || stalest == NULL || b->at_ms < stalest->at_ms)
			stalest = b;
		if (b->h == 0)
			break;
	}
	stalest->h = h;
	stalest->milli = burst * MILLI;
	stalest->at_ms = now_ms;
	return stalest;
}

int
limit_take(struct limit *l, const char *key, int64_t burst, int64_t per_min,
    int64_t now_ms, int64_t *retry_ms)
{
	struct bucket *b;
	int64_t gained, since;
	int refused = 0;

	*retry_ms = 0;
	pthread_mutex_lock(&l->lock);
	b = bucket_of(l, key, burst, now_ms);
	since = now_ms - b->at_ms;
	if (since < 0)
		since = 0;	/* the wall clock went back */
	if (per_min > 0 && since > 0) {
		/* Bounded before multiplying: a day refills any bucket. Only
		 * the time turned into tokens is used up, so requests every
		 * millisecond still see it refill. */
		gained = (since > DAY_MS ? DAY_MS : since) * per_min * MILLI /
		    60000;
		if (b->milli + gained >= burst * MILLI) {
			b->milli = burst * MILLI;
			b->at_ms = now_ms;
		} else if (gained > 0) {
			b->milli += gained;
			b->at_ms += gained * 60000 / (per_min * MILLI);
		}
	}
	if (b->milli >= MILLI) {
		b->milli -= MILLI;
		if (per_min == 0)
			b->at_ms = now_ms;
	} else {
		refused = 1;
		*retry_ms = per_min > 0 ? ((MILLI - b->milli) * 60000 +
		    per_min * MILLI - 1) / (per_min * MILLI) : DAY_MS;
	}
	pthread_mutex_unlock(&l->lock);
	return refused;
}
