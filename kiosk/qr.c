/*
 * qr: QR encoding. See qr.h.
 */
#include "qr.h"

#include <errno.h>
#include <string.h>

#include <qrencode.h>

#include "log.h"

#define QUIET 4

int
qr_render(const char *text, int scale, struct image *out)
{
	return qr_render_opts(text, scale, QR_EC_M, 0, out);
}

int
qr_render_opts(const char *text, int scale, enum qr_ec ec, int mixed,
    struct image *out)
{
	static const QRecLevel levels[4] = { QR_ECLEVEL_L, QR_ECLEVEL_M,
	    QR_ECLEVEL_Q, QR_ECLEVEL_H };
	QRecLevel lv = levels[(unsigned)ec < 4 ? ec : QR_EC_M];
	QRcode *qr;
	int side, x, y, n;

	memset(out, 0, sizeof(*out));
	/* Mixed: QR_MODE_8 as the hint keeps non-ASCII bytes out of Kanji
	 * mode; digits and capitals still get their own segments. */
	qr = mixed ? QRcode_encodeString(text, 0, lv, QR_MODE_8, 1) :
	    QRcode_encodeString8bit(text, 0, lv);
	if (qr == NULL) {
		log_error("cannot make a QR code: %s", errno == ERANGE ?
		    "text too long" : strerror(errno));
		return -1;
	}
	n = qr->width;
	side = (n + 2 * QUIET) * scale;
	if (scale < 1 || image_init(out, side, side) != 0) {
		QRcode_free(qr);
		return -1;
	}
	memset(out->px, 255, (size_t)side * (size_t)side);
	for (y = 0; y < n; y++)
		for (x = 0; x < n; x++) {
			int dy, py = (y + QUIET) * scale, px = (x + QUIET) * scale;

			/* Bit 0 of each module byte: 1 is dark. */
			if (!(qr->data[y * n + x] & 1))
				continue;
			for (dy = 0; dy < scale; dy++)
				memset(out->px + (size_t)(py + dy) * side + px,
				    0, (size_t)scale);
		}
	QRcode_free(qr);
	return n;
}
