/*
 * parsenum: checked numbers. See parsenum.h.
 */
#include "parsenum.h"

#include <ctype.h>
#include <errno.h>
#include <stdlib.h>

int
parsenum(const char *s, int64_t lo, int64_t hi, int64_t *out)
{
	long long v;
	char *end;

	/* strtoll takes leading blanks and a '+'; a number here is digits
	 * with at most a '-' before them. */
	if (s == NULL || !(isdigit((unsigned char)s[0]) || (s[0] == '-' &&
	    isdigit((unsigned char)s[1]))))
		return -1;
	errno = 0;
	v = strtoll(s, &end, 10);
	if (errno != 0 || end == s || *end != '\0' || v < lo || v > hi)
		return -1;
	*out = (int64_t)v;
	return 0;
}

int
parsenum_int(const char *s, int lo, int hi, int *out)
{
	int64_t v;

	if (parsenum(s, lo, hi, &v) != 0)
		return -1;
	*out = (int)v;
	return 0;
}

int
parsenum_long(const char *s, long lo, long hi, long *out)
{
	int64_t v;

	if (parsenum(s, lo, hi, &v) != 0)
		return -1;
	*out = (long)v;
	return 0;
}
