/*
 * wardname: keys for matching ward names. See wardname.h.
 */
#include "wardname.h"

#include <string.h>

/* Latin-1 Supplement U+00C0..U+00FF: the letter each stands for ('\0':
 * not a letter a Vietnamese name has). */
static const char latin1[64] =
    "aaaaaaaceeeeiiii"	/* C0-CF */
    "dnooooo\0ouuuuy\0\0"	/* D0-DF (Ð, often typed for Đ) */
    "aaaaaaaceeeeiiii"	/* E0-EF */
    "dnooooo\0ouuuuy\0y";	/* F0-FF */

/* The base letter of code point C, 0 for a mark to drop, or -1 when it is
 * kept as it is. */
static int
base_of(unsigned c)
{
	if (c >= 0xc0 && c <= 0xff)
		return latin1[c - 0xc0] ? latin1[c - 0xc0] : -1;
	switch (c) {
	case 0x102: case 0x103: return 'a';	/* Ă ă */
	case 0x110: case 0x111: return 'd';	/* Đ đ */
	case 0x128: case 0x129: return 'i';	/* Ĩ ĩ */
	case 0x168: case 0x169: return 'u';	/* Ũ ũ */
	case 0x1a0: case 0x1a1: return 'o';	/* Ơ ơ */
	case 0x1af: case 0x1b0: return 'u';	/* Ư ư */
	default: break;
	}
	if (c >= 0x300 && c <= 0x36f)
		return 0;			/* a combining mark (NFD) */
	if (c >= 0x1ea0 && c <= 0x1eb7)
		return 'a';			/* Ạ..ặ */
	if (c >= 0x1eb8 && c <= 0x1ec7)
		return 'e';
	if (c >= 0x1ec8 && c <= 0x1ecb)
		return 'i';
	if (c >= 0x1ecc && c <= 0x1ee3)
		return 'o';
	if (c >= 0x1ee4 && c <= 0x1ef1)
		return 'u';
	if (c >= 0x1ef2 && c <= 0x1ef9)
		return 'y';
	return -1;
}

/* The code point at *S (advanced past it), or -1 when not UTF-8. */
static long
next_cp(const unsigned char **s, size_t *len)
{
	const unsigned char *p = *s;
	unsigned c = p[0], n, i;

	if (c < 0x80)
		n = 1;
	else if ((c & 0xe0) == 0xc0 && c >= 0xc2)
		n = 2, c &= 0x1f;
	else if ((c & 0xf0) == 0xe0)
		n = 3, c &= 0x0f;
	else if ((c & 0xf8) == 0xf0 && c <= 0xf4)
		n = 4, c &= 0x07;
	else
		return -1;
	for (i = 1; i < n; i++) {
		if ((p[i] & 0xc0) != 0x80)
			return -1;
		c = (c << 6) | (p[i] & 0x3f);
	}
	*s += n;
	*len = n;
	return (long)c;
}

int
ward_key(const char *name, char *out, size_t size)
{
	const unsigned char *s = (const unsigned char *)name;
	size_t o = 0, len;
	int space = 0;

	if (size == 0)
		return -1;
	while (*s == ' ' || *s == '\t')
		s++;
	while (*s != '\0') {
		const unsigned char *at = s;
		long c = next_cp(&s, &len);
		int b;

		if (c < 0) {
			out[0] = '\0';
			return -1;
		}
		if (c == ' ' || c == '\t') {
			space = 1;
			continue;
		}
		b = c < 0x80 ? (c >= 'A' && c <= 'Z' ? (int)c + 32 : (int)c) :
		    base_of((unsigned)c);
		if (b == 0)
			continue;
		if (space && o > 0) {
			if (o + 1 >= size)
				goto full;
			out[o++] = ' ';
		}
		space = 0;
		if (b > 0) {
			if (o + 1 >= size)
				goto full;
			out[o++] = (char)b;
		} else {
			if (o + len >= size)
				goto full;
			memcpy(out + o, at, len);
			o += len;
		}
	}
	out[o] = '\0';
	return 0;
full:
	out[0] = '\0';
	return -1;
}

int
ward_same(const char *a, const char *b)
{
	char ka[WARD_KEY_MAX], kb[WARD_KEY_MAX];

	return ward_key(a, ka, sizeof(ka)) == 0 &&
	    ward_key(b, kb, sizeof(kb)) == 0 && strcmp(ka, kb) == 0;
}

size_t
ward_distance(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b), i, j;
	size_t row[WARD_KEY_MAX + 1];

	if (la > WARD_KEY_MAX || lb > WARD_KEY_MAX)
		return (size_t)-1;
	for (j = 0; j <= lb; j++)
		row[j] = j;
	for (i = 1; i <= la; i++) {
		size_t diag = row[0];

		row[0] = i;
		for (j = 1; j <= lb; j++) {
			size_t up = row[j], best = diag +
			    (a[i - 1] != b[j - 1]);

			if (up + 1 < best)
				best = up + 1;
			if (row[j - 1] + 1 < best)
				best = row[j - 1] + 1;
			diag = up;
			row[j] = best;
		}
	}
	return row[lb];
}
