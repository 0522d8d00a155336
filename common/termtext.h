/*
 * termtext: text from outside (a venue's name, a ward, a pass id, an
 * audit entry) made safe to print on a person's terminal. A kiosk's owner
 * types its venue name; a rogue one could put an escape sequence, a
 * carriage return or a right-to-left override in it and rewrite what a
 * patrol or a tracer reads. Only for terminal output: JSON and CSV have
 * their own escaping (jansson, csv.h).
 */
#ifndef KIOSK_TERMTEXT_H
#define KIOSK_TERMTEXT_H

#include <stddef.h>
#include <stdio.h>

/* Room for any text of LEN bytes once made safe (a byte can become
 * "<U+XXXX>"), with the NUL. */
#define TERMTEXT_SIZE(len) ((len) * 8 + 1)

/*
 * termtext(text, out, size):
 * TEXT into OUT (SIZE bytes, cut at a character when too small) with
 * every control character (C0, DEL, C1), bidirectional control (U+061C,
 * U+200E/F, U+202A-U+202E, U+2066-U+2069) and line or paragraph
 * separator shown as "<U+XXXX>", and bytes that are not UTF-8 as "?".
 * Returns OUT.
 */
const char *termtext(const char *text, char *out, size_t size);

/*
 * termtext_plain(text): 1 when TEXT is valid UTF-8 that termtext leaves
 * as it is (no control, bidirectional control or separator), else 0: the
 * test for a name, an address or a ward a person typed.
 */
int termtext_plain(const char *text);

/* termtext_put(f, text): write TEXT made safe to F. */
void termtext_put(FILE *f, const char *text);

#endif
