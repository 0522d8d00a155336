/*
 * i18n: UI text tables. See i18n.h.
 */
#include "i18n.h"

#include <ctype.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "datadir.h"
#include "dynbuf.h"
#include "fileio.h"
#include "log.h"

#define STRINGS_FILE_MAX (256 * 1024)

struct entry {
	const char *key;
	const char *text;
};

struct i18n {
	char *buf;		/* the file, cut in place */
	struct entry *e;
	size_t n;
};

const char *
i18n_dir(void)
{
	static char dir[4096];

	(void)datadir_path("strings", dir, sizeof(dir));
	return dir;
}

static int
cmp_entry(const void *a, const void *b)
{
	return strcmp(((const struct entry *)a)->key,
	    ((const struct entry *)b)->key);
}

struct i18n *
i18n_load(const char *dir, const char *lang)
{
	char path[PATH_MAX], *line, *next, *eq, *k, *v, *end;
	struct i18n *s;
	size_t cap = 0, lineno = 0;
	int r;

	r = snprintf(path, sizeof(path), "%s/%s.txt", dir, lang);
	if (r < 0 || (size_t)r >= sizeof(path))
		return NULL;
	s = calloc(1, sizeof(*s));
	if (s == NULL)
		return NULL;
	s->buf = fileio_read(path, STRINGS_FILE_MAX, NULL);
	if (s->buf == NULL)
		goto err;
	for (line = s->buf; line != NULL; line = next) {
		next = strchr(line, '\n');
		if (next != NULL)
			*next++ = '\0';
		lineno++;
		while (isspace((unsigned char)*line))
			line++;
		if (*line == '\0' || *line == '#')
			continue;
		eq = strchr(line, '=');
		if (eq == NULL) {
			log_warn("%s:%zu: want \"key = text\"", path, lineno);
			continue;
		}
		k = line;
		end = eq;
		while (end > k && isspace((unsigned char)end[-1]))
			end--;
		*end = '\0';
		v = eq + 1;
		while (*v == ' ' || *v == '\t')
			v++;
		end = v + strlen(v);
		while (end > v && isspace((unsigned char)end[-1]))
			*--end = '\0';
		if (dynbuf_grow(&s->e, &cap, s->n + 1, sizeof(*s->e),
		    STRINGS_FILE_MAX) != 0)
			goto err;
		s->e[s->n].key = k;
		s->e[s->n].text = v;
		s->n++;
	}
	qsort(s->e, s->n, sizeof(*s->e), cmp_entry);
	return s;
err:
	i18n_free(s);
	return NULL;
}

const char *
i18n_get(const struct i18n *s, const char *key)
{
	struct entry want = { key, NULL }, *hit;

	if (s == NULL || s->n == 0)
		return key;
	hit = bsearch(&want, s->e, s->n, sizeof(*s->e), cmp_entry);
	return hit ? hit->text : key;
}

size_t
i18n_count(const struct i18n *s)
{
	return s ? s->n : 0;
}

const char *
i18n_key(const struct i18n *s, size_t i)
{
	return s->e[i].key;
}

void
i18n_free(struct i18n *s)
{
	if (s == NULL)
		return;
	free(s->e);
	free(s->buf);
	free(s);
}

char *
i18n_fill(char *out, size_t size, const char *tmpl, const char *const *args,
    size_t nargs)
{
	size_t o = 0, a = 0;
	const char *p, *ins;

	if (size == 0)
		return out;
	for (p = tmpl; *p != '\0' && o + 1 < size; p++) {
		if (p[0] == '%' && p[1] == 's') {
			ins = a < nargs ? args[a] : "";
			a++;
			while (*ins != '\0' && o + 1 < size)
				out[o++] = *ins++;
			p++;
			continue;
		}
		out[o++] = *p;
	}
	/* Do not leave half a UTF-8 character at the cut. */
	if (o + 1 >= size)
		while (o > 0 && ((unsigned char)out[o - 1] & 0xc0) == 0x80)
			o--;
	if (o > 0 && o + 1 >= size && ((unsigned char)out[o - 1] & 0xc0) ==
	    0xc0)
		o--;
	out[o] = '\0';
	return out;
}
