/*
 * wardname: matching the names of wards as people type them. "Phuong Ben
 * Nghe", "phường bến nghé" and "PHƯỜNG  BẾN NGHÉ" are one ward: the key
 * drops Vietnamese tone and vowel marks (precomposed, or combining marks
 * after a letter, so NFC and NFD input give one key), reads đ as d, folds
 * case and runs of spaces. Names are stored as given; only matching uses
 * the key.
 */
#ifndef KIOSK_WARDNAME_H
#define KIOSK_WARDNAME_H

#include <stddef.h>

#define WARD_KEY_MAX 256

/*
 * ward_key(name, out, size): NAME's key into OUT. Returns 0, or -1 when it
 * does not fit or NAME is not UTF-8 (OUT is then empty).
 */
int ward_key(const char *name, char *out, size_t size);

/* ward_same(a, b): 1 when names A and B are one ward (equal keys). */
int ward_same(const char *a, const char *b);

/*
 * ward_distance(a, b): how many single-byte edits turn key A into key B
 * (Levenshtein), for "the closest names" when none matches; keys longer
 * than WARD_KEY_MAX count as far.
 */
size_t ward_distance(const char *a, const char *b);

#endif
