/*
 * strings: the words people see, in Vietnamese (default) and English,
 * loaded from assets/strings/<lang>.txt ("key = text" lines) at start.
 * Code names keys only; a test checks every key exists in every language.
 */
#ifndef KIOSK_STRINGS_H
#define KIOSK_STRINGS_H

#include <stddef.h>

struct strings;

/*
 * strings_dir():
 * Where the string files are: $KIOSK_ASSETS/strings if set, else the
 * assets/ of the source tree the running program was built in (found by
 * walking up from its folder), else the installed DATADIR. Returns a
 * static path.
 */
const char *strings_dir(void);

/*
 * strings_load(dir, lang):
 * Load DIR/LANG.txt. Returns the table (free with strings_free), or NULL
 * with a logged reason.
 */
struct strings *strings_load(const char *dir, const char *lang);

/*
 * strings_get(s, key):
 * The text for KEY, or KEY itself when S is NULL or has no such key (so a
 * missing string shows up plainly, never as a crash).
 */
const char *strings_get(const struct strings *s, const char *key);

/* strings_count(s): how many keys S holds. */
size_t strings_count(const struct strings *s);

/* strings_key(s, i): the I'th key of S (0 <= I < strings_count). */
const char *strings_key(const struct strings *s, size_t i);

/* strings_free(s): free S; NULL does nothing. */
void strings_free(struct strings *s);

#endif
