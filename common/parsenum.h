/*
 * parsenum: the one checked number parser, for command-line options,
 * HTTP parameters and settings alike (as libcperciva's parsenum): the
 * whole text must be a number in the range, or it is refused.
 */
#ifndef KIOSK_PARSENUM_H
#define KIOSK_PARSENUM_H

#include <stdint.h>

/*
 * parsenum(s, lo, hi, out):
 * Parse the decimal integer S (digits, with at most a '-' before them:
 * no '+', no blanks, nothing after)
 * into *OUT when LO <= it <= HI. Returns 0, or -1 (*OUT untouched) when S
 * is NULL, empty, not a number, or out of range (overflow included).
 */
int parsenum(const char *s, int64_t lo, int64_t hi, int64_t *out);

/* parsenum_int(s, lo, hi, out): the same into an int. */
int parsenum_int(const char *s, int lo, int hi, int *out);

/* parsenum_long(s, lo, hi, out): the same into a long. */
int parsenum_long(const char *s, long lo, long hi, long *out);

#endif
