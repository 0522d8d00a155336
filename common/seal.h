/*
 * seal: personal fields sealed for the health authority (libsodium sealed
 * box to the authority's X25519 public key). The kiosk can seal but never
 * open; only the holder of the authority's secret key (the collector's
 * trace command) can.
 */
#ifndef KIOSK_SEAL_H
#define KIOSK_SEAL_H

#include <stddef.h>

#include "keys.h"

#define SEAL_OVERHEAD 48	/* crypto_box_SEALBYTES */

/*
 * seal_box(pk, msg, len, out_len):
 * Seal LEN bytes of MSG to PK. Returns a new buffer of *OUT_LEN bytes that
 * the caller frees, or NULL when out of memory.
 */
unsigned char *seal_box(const unsigned char pk[KEYS_PUB_LEN],
    const void *msg, size_t len, size_t *out_len);

/*
 * seal_open(authority, box, len, out_len):
 * Open a sealed BOX with the X25519 key pair AUTHORITY. Returns a new
 * NUL-terminated buffer of *OUT_LEN bytes (caller wipes and frees), or
 * NULL when the box was not sealed to this key or was altered.
 */
char *seal_open(const struct key_pair *authority, const unsigned char *box,
    size_t len, size_t *out_len);

#endif
