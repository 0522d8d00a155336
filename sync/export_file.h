/*
 * export_file: the USB export's format (docs/trace.md), both ways.
 *
 *   kiosk-sealed-export-v1\n<base64 of a sealed box to the authority>\n
 *
 * The box holds compact JSON {"format":"kiosk-export-v1","created_ms",
 * "device":{"id","pub","venue_id","venue_name","address","ward"},
 * "batches":[{"instance","first_seq","last_seq","count","digest",
 * "sent_at_ms","signature","body"}]}, each batch exactly as kiosk-sync
 * would upload it (body: base64 of the zlib bytes the signature covers).
 * Nothing here touches a store: the checks that need one are the
 * importer's (collector import), and these parsers are fuzzed
 * (tests/fuzz/fuzz_export.c).
 */
#ifndef KIOSK_EXPORT_FILE_H
#define KIOSK_EXPORT_FILE_H

#include <stddef.h>

#include <jansson.h>

#include "batch.h"
#include "db.h"
#include "keys.h"

/*
 * export_seal(inner, pk, out_len):
 * The file's bytes for the JSON text INNER sealed to PK, in a new buffer
 * (caller frees), or NULL when out of memory.
 */
char *export_seal(const char *inner, const unsigned char pk[KEYS_PUB_LEN],
    size_t *out_len);

/*
 * export_open(text, len, authority, why):
 * The JSON inside a file's bytes, opened with the authority's key, or
 * NULL with *WHY set (not an export, damaged, another key, not v1).
 */
json_t *export_open(const char *text, size_t len,
    const struct key_pair *authority, const char **why);

/*
 * export_device(dj, dev, why):
 * The exporting kiosk from the "device" object: every field present and
 * within its size, the key well formed, the id the key's. 0, or -1 with
 * *WHY set.
 */
int export_device(const json_t *dj, struct db_device *dev, const char **why);

/*
 * export_batch(b, device_id, h, z, zlen, why):
 * One "batches" entry: its signed header into *H and its body's bytes in
 * a new buffer *Z (caller frees). 0, or -1 with *WHY set. The signature is
 * not checked here (the importer checks it against the enrolled key).
 */
int export_batch(const json_t *b, const char *device_id,
    struct batch_header *h, unsigned char **z, size_t *zlen,
    const char **why);

#endif
