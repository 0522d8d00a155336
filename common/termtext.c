/*
 * termtext: see termtext.h.
 */
#include "termtext.h"

#include <stdint.h>
#include <string.h>

#include <unistr.h>

/* Must C be shown by its number rather than given to the terminal? */
static int
hidden(ucs4_t c)
{
	return c < 0x20 || (c >= 0x7f && c <= 0x9f) || c == 0x061c ||
	    c == 0x200e || c == 0x200f || (c >= 0x2028 && c <= 0x202e) ||
	    (c >= 0x2066 && c <= 0x2069);
}

const char *
termtext(const char *text, char *out, size_t size)
{
	const uint8_t *p = (const uint8_t *)text;
	size_t len = strlen(text), o = 0;
	char piece[16];
	ucs4_t c;
	int n;

	if (size == 0)
		return out;
	while (len > 0) {
		n = u8_mbtouc(&c, p, len);
		if (c == 0xfffd && !(n == 3 && p[0] == 0xef && p[1] == 0xbf &&
		    p[2] == 0xbd)) {
			piece[0] = '?';
			piece[1] = '\0';
		} else if (hidden(c)) {
			snprintf(piece, sizeof(piece), "<U+%04X>", (unsigned)c);
		} else {
			memcpy(piece, p, (size_t)n);
			piece[n] = '\0';
		}
		if (o + strlen(piece) >= size)
			break;
		memcpy(out + o, piece, strlen(piece));
		o += strlen(piece);
		p += n;
		len -= (size_t)n;
	}
	out[o] = '\0';
	return out;
}

void
termtext_put(FILE *f, const char *text)
{
	char buf[TERMTEXT_SIZE(64)];
	size_t len = strlen(text), n;
	const char *p = text;

	/* Piece by piece at character boundaries, so any length fits. */
	while (len > 0) {
		char chunk[65];

		n = len < 64 ? len : 64;
		while (n < len && n > 0 && ((unsigned char)p[n] & 0xc0) == 0x80)
			n--;
		if (n == 0)
			n = len < 64 ? len : 64;
		memcpy(chunk, p, n);
		chunk[n] = '\0';
		fputs(termtext(chunk, buf, sizeof(buf)), f);
		p += n;
		len -= n;
	}
}

int
termtext_plain(const char *text)
{
	const uint8_t *p = (const uint8_t *)text;
	size_t len = strlen(text);
	ucs4_t c;
	int n;

	if (u8_check(p, len) != NULL)
		return 0;
	for (; len > 0; p += n, len -= (size_t)n) {
		n = u8_mbtouc(&c, p, len);
		if (hidden(c))
			return 0;
	}
	return 1;
}
