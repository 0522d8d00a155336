/*
 * zxread: zxing-cpp's QR reader behind a C interface. The only file that
 * sees a C++ type is zxread.cpp; nothing of zxing-cpp leaks out of here.
 *
 * It hands back each code's bytes as stored in the symbol (no charset
 * guess), like zbar in binary mode: deciding what the bytes mean is the
 * payload layer's job. ZXREAD_TEXT asks instead for zxing-cpp's own
 * text (bytes converted to UTF-8 by ECI or a guessed charset): that is
 * only for the benchmark's "zxing-cpp alone" reference.
 *
 * Thread-safe: it holds no state.
 */
#ifndef KIOSK_ZXREAD_H
#define KIOSK_ZXREAD_H

#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

enum {
	ZXREAD_FAST = 1,	/* no "try harder" search (cheaper, fewer reads) */
	ZXREAD_TEXT = 2,	/* zxing-cpp's converted text, not the bytes */
	ZXREAD_DEFAULTS = 4	/* the library's own defaults (for the bench) */
};

/*
 * zxread_fn(data, bytes, len): called once per code found, with LEN bytes
 * that stay zxread's (copy what you keep). Return nonzero to stop.
 */
typedef int zxread_fn(void *data, const unsigned char *bytes, size_t len);

/*
 * zxread_scan(px, w, h, flags, fn, data):
 * Look for QR codes in W x H grey pixels PX (stride W) and call FN for
 * each. Returns the number of codes passed to FN, or -1 when zxing-cpp
 * failed (out of memory; logged).
 */
int zxread_scan(const unsigned char *px, int w, int h, int flags,
    zxread_fn *fn, void *data);

#ifdef __cplusplus
}
#endif

#endif
