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
	QRcode *qr;
	int side, x, y, n;

	memset(out, 0, sizeof(*out));
	qr = QRcode_encodeString8bit(text, 0, QR_ECLEVEL_M);
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
