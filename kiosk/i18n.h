/*
 * i18n: the words people see, in Vietnamese (default) and English,
 * loaded from assets/strings/<lang>.txt ("key = text" lines) at start.
 * Code names keys only; a test checks every key exists in every language.
 */
#ifndef KIOSK_I18N_H
#define KIOSK_I18N_H

#include <stddef.h>

struct i18n;

/*
 * i18n_dir():
 * Where the string files are: datadir()/strings (see datadir.h).
 * Returns a static path.
 */
const char *i18n_dir(void);

/*
 * i18n_load(dir, lang):
 * Load DIR/LANG.txt. Returns the table (free with i18n_free), or NULL
 * with a logged reason.
 */
struct i18n *i18n_load(const char *dir, const char *lang);

/*
 * i18n_get(s, key):
 * The text for KEY, or KEY itself when S is NULL or has no such key (so a
 * missing string shows up plainly, never as a crash).
 */
const char *i18n_get(const struct i18n *s, const char *key);

/*
 * i18n_fill(out, size, tmpl, args, nargs):
 * Copy TMPL into OUT with each "%s" replaced by the next of ARGS (an empty
 * string when they run out). TMPL comes from a file, so it is never used
 * as a printf format. The result is cut at SIZE - 1 bytes, on a UTF-8
 * character boundary. Returns OUT.
 */
char *i18n_fill(char *out, size_t size, const char *tmpl,
    const char *const *args, size_t nargs);

/* i18n_count(s): how many keys S holds. */
size_t i18n_count(const struct i18n *s);

/* i18n_key(s, i): the I'th key of S (0 <= I < i18n_count). */
const char *i18n_key(const struct i18n *s, size_t i);

/* i18n_free(s): free S; NULL does nothing. */
void i18n_free(struct i18n *s);

#endif
