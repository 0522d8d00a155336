/*
 * dynbuf: a growable buffer with a cap (as git's strbuf or curl's dynbuf),
 * and the one growth rule for arrays. Outside data never grows a buffer
 * past the cap it was given: the add fails cleanly instead.
 */
#ifndef KIOSK_DYNBUF_H
#define KIOSK_DYNBUF_H

#include <stddef.h>

struct dynbuf {
	char *p;		/* NUL-terminated while not empty; owned */
	size_t len, cap;
	size_t max;		/* the most it may hold */
	int failed;		/* an add failed: out of memory or past max */
};

/* dynbuf_init(b, max): an empty buffer that holds at most MAX bytes. */
void dynbuf_init(struct dynbuf *b, size_t max);

/*
 * dynbuf_add(b, p, n): append N bytes. Returns 0, or -1 when out of
 * memory or past the cap; after a failure every add fails (B->failed),
 * so a caller may check once at the end.
 */
int dynbuf_add(struct dynbuf *b, const void *p, size_t n);

/* dynbuf_addf(b, fmt, ...): append printf-formatted text; as dynbuf_add. */
int dynbuf_addf(struct dynbuf *b, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/*
 * dynbuf_take(b, len): the bytes, NUL-terminated, in a buffer you now own
 * (free it), with their length in *LEN when LEN is not NULL; B is left
 * empty. NULL when B failed (B is then released).
 */
char *dynbuf_take(struct dynbuf *b, size_t *len);

/* dynbuf_release(b): free B's bytes; B is left empty. */
void dynbuf_release(struct dynbuf *b);

/*
 * dynbuf_grow(arr, cap, want, size, max):
 * Make room in the array *ARR of *CAP elements of SIZE bytes for WANT
 * elements, doubling (from 16) but never past MAX. Returns 0, or -1 when
 * out of memory or WANT > MAX (*ARR is then unchanged).
 */
int dynbuf_grow(void *arr, size_t *cap, size_t want, size_t size,
    size_t max);

#endif
