/*
 * seal: sealed boxes for the health authority. See seal.h.
 */
#include "seal.h"

#include <stdlib.h>

#include <sodium.h>

unsigned char *
seal_box(const unsigned char pk[KEYS_PUB_LEN], const void *msg, size_t len,
    size_t *out_len)
{
	unsigned char *out = malloc(len + crypto_box_SEALBYTES);

	if (out == NULL)
		return NULL;
	if (crypto_box_seal(out, msg, len, pk) != 0) {
		free(out);
		return NULL;
	}
	*out_len = len + crypto_box_SEALBYTES;
	return out;
}

char *
seal_open(const struct key_pair *authority, const unsigned char *box,
    size_t len, size_t *out_len)
{
	char *out;

	if (authority->type != KEY_X25519 || len < crypto_box_SEALBYTES)
		return NULL;
	out = malloc(len - crypto_box_SEALBYTES + 1);
	if (out == NULL)
		return NULL;
	if (crypto_box_seal_open((unsigned char *)out, box, len,
	    authority->pk, authority->sk) != 0) {
		free(out);
		return NULL;
	}
	*out_len = len - crypto_box_SEALBYTES;
	out[*out_len] = '\0';
	return out;
}
