/*
 * helpers: what several test files need: a scratch folder removed at the
 * end, a fixed "now", and reading a file into memory. Header-only so each
 * test binary stays one file.
 */
#ifndef KIOSK_TEST_HELPERS_H
#define KIOSK_TEST_HELPERS_H


#include <ftw.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "ktime.h"

static int
helpers_rm(const char *path, const struct stat *st, int flag, struct FTW *f)
{
	(void)st;
	(void)flag;
	(void)f;
	return remove(path);
}

/* A new empty folder under $TMPDIR (or /tmp); the caller frees the name. */
static inline char *
scratch_new(void)
{
	const char *base = getenv("TMPDIR");
	char *dir;

	if (asprintf(&dir, "%s/kiosk-test-XXXXXX", base ? base : "/tmp") < 0)
		return NULL;
	if (mkdtemp(dir) == NULL) {
		free(dir);
		return NULL;
	}
	return dir;
}

static inline void
scratch_free(char *dir)
{
	if (dir == NULL)
		return;
	nftw(dir, helpers_rm, 16, FTW_DEPTH | FTW_PHYS);
	free(dir);
}

/* DIR/NAME in a new string. */
static inline char *
scratch_path(const char *dir, const char *name)
{
	char *p;

	if (asprintf(&p, "%s/%s", dir, name) < 0)
		return NULL;
	return p;
}

/* Time from text, failing the test if it does not parse. */
static inline int64_t
at(const char *text)
{
	int64_t ms = 0;

	assert_int_equal(ktime_parse(text, &ms), 0);
	return ms;
}

/* Does the file PATH contain the bytes NEEDLE anywhere? */
static inline int
file_contains(const char *path, const char *needle)
{
	FILE *f = fopen(path, "rb");
	size_t n = strlen(needle), got;
	char *buf;
	long size;
	int found = 0;

	if (f == NULL)
		return 0;
	fseek(f, 0, SEEK_END);
	size = ftell(f);
	fseek(f, 0, SEEK_SET);
	buf = malloc((size_t)size + 1);
	got = fread(buf, 1, (size_t)size, f);
	fclose(f);
	if (got >= n)
		found = memmem(buf, got, needle, n) != NULL;
	free(buf);
	return found;
}

#endif
