/*
 * dynbuf: growable buffers with a cap. See dynbuf.h.
 */
#include "dynbuf.h"

#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void
dynbuf_init(struct dynbuf *b, size_t max)
{
	memset(b, 0, sizeof(*b));
	b->max = max;
}

int
dynbuf_grow(void *arr, size_t *cap, size_t want, size_t size, size_t max)
{
	void **pp = arr, *np;
	size_t ncap = *cap ? *cap : (max < 16 ? max : 16);

	if (want <= *cap)
		return 0;
	if (want > max || size == 0 || want > SIZE_MAX / size)
		return -1;
	while (ncap < want)
		ncap = ncap > max / 2 ? max : ncap * 2;
	np = realloc(*pp, ncap * size);
	if (np == NULL)
		return -1;
	*pp = np;
	*cap = ncap;
	return 0;
}

int
dynbuf_add(struct dynbuf *b, const void *p, size_t n)
{
	if (b->failed)
		return -1;
	if (n > b->max || b->len > b->max - n ||
	    dynbuf_grow(&b->p, &b->cap, b->len + n + 1, 1, b->max + 1) != 0) {
		b->failed = 1;
		return -1;
	}
	memcpy(b->p + b->len, p, n);
	b->len += n;
	b->p[b->len] = '\0';
	return 0;
}

int
dynbuf_addf(struct dynbuf *b, const char *fmt, ...)
{
	char small[256], *big;
	va_list ap;
	int n, rc;

	va_start(ap, fmt);
	n = vsnprintf(small, sizeof(small), fmt, ap);
	va_end(ap);
	if (n < 0) {
		b->failed = 1;
		return -1;
	}
	if ((size_t)n < sizeof(small))
		return dynbuf_add(b, small, (size_t)n);
	big = malloc((size_t)n + 1);
	if (big == NULL) {
		b->failed = 1;
		return -1;
	}
	va_start(ap, fmt);
	vsnprintf(big, (size_t)n + 1, fmt, ap);
	va_end(ap);
	rc = dynbuf_add(b, big, (size_t)n);
	free(big);
	return rc;
}

char *
dynbuf_take(struct dynbuf *b, size_t *len)
{
	char *p;

	if (b->failed) {
		dynbuf_release(b);
		return NULL;
	}
	if (b->p == NULL && dynbuf_add(b, "", 0) != 0) {
		dynbuf_release(b);
		return NULL;
	}
	p = b->p;
	if (len != NULL)
		*len = b->len;
	b->p = NULL;
	b->len = b->cap = 0;
	return p;
}

void
dynbuf_release(struct dynbuf *b)
{
	free(b->p);
	b->p = NULL;
	b->len = b->cap = 0;
	b->failed = 0;
}
