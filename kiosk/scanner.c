/*
 * scanner: HID wedge burst detection. See scanner.h.
 */
#include "scanner.h"

#include <string.h>

#include <sodium.h>

void
scanner_init(struct scanner *s)
{
	sodium_memzero(s, sizeof(*s));
}

void
scanner_text(struct scanner *s, const char *utf8, int64_t now_ms)
{
	size_t n = strlen(utf8);

	if (s->len > 0 && now_ms - s->last_ms > SCANNER_GAP_MS)
		scanner_init(s);	/* a person typing: forget it */
	if (s->len == 0 && !s->overflow)
		s->first_ms = now_ms;
	s->last_ms = now_ms;
	if (s->overflow || s->len + n > SCANNER_MAX) {
		s->overflow = 1;
		return;
	}
	memcpy(s->buf + s->len, utf8, n);
	s->len += n;
	s->buf[s->len] = '\0';
}

int
scanner_end(struct scanner *s, int64_t now_ms, char *out, size_t size)
{
	int ret = 0;

	if (!s->overflow && s->len >= SCANNER_MIN_LEN &&
	    now_ms - s->last_ms <= SCANNER_GAP_MS) {
		if (s->len + 1 > size) {
			ret = -1;
		} else {
			memcpy(out, s->buf, s->len + 1);
			ret = (int)s->len;
		}
	}
	scanner_init(s);	/* the code may be personal data */
	return ret;
}
