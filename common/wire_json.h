/*
 * wire_json: JSON helpers private to the wire formats (wire_*.c). Other
 * modules use wire.h, where no library type appears.
 */
#ifndef KIOSK_WIRE_JSON_H
#define KIOSK_WIRE_JSON_H

#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

/*
 * wire_json_str(o, key, dst, size):
 * Copy the string member KEY of the object O into DST (SIZE bytes).
 * Returns 0, or -1 when it is absent, not a string, holds a NUL or does
 * not fit.
 */
int wire_json_str(const json_t *o, const char *key, char *dst, size_t size);

/*
 * wire_json_int(o, key, dflt): the integer member KEY of O, or DFLT when
 * it is absent or not an integer.
 */
int64_t wire_json_int(const json_t *o, const char *key, int64_t dflt);

/*
 * wire_json_b64(o, key, max, out, len):
 * The base64 string member KEY of O (at most MAX characters) decoded into
 * a new buffer *OUT (caller frees). Returns 0, -1 when absent or damaged.
 */
int wire_json_b64(const json_t *o, const char *key, size_t max,
    unsigned char **out, size_t *len);

/* wire_b64(bin, len): BIN as base64 in a new string, or NULL. */
char *wire_b64(const unsigned char *bin, size_t len);

#endif
