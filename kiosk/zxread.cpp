/*
 * zxread: zxing-cpp behind a C interface. See zxread.h.
 */
#define ZX_USE_UTF8 1
#include "zxread.h"

#include <exception>

#include <ZXing/ReadBarcode.h>

extern "C" {
#include "log.h"
}

int
zxread_scan(const unsigned char *px, int w, int h, int flags,
    zxread_fn *fn, void *data)
{
	try {
		ZXing::ImageView img(px, w, h, ZXing::ImageFormat::Lum);
		ZXing::DecodeHints hints;
		int n = 0;

		hints.setFormats(ZXing::BarcodeFormat::QRCode);
		if (!(flags & ZXREAD_DEFAULTS)) {
			/* QR is read at any angle: no rotated retries. */
			hints.setTryRotate(false);
			hints.setTryHarder(!(flags & ZXREAD_FAST));
		}
		for (const auto &r : ZXing::ReadBarcodes(img, hints)) {
			if (!r.isValid())
				continue;
			n++;
			if (flags & ZXREAD_TEXT) {
				std::string t = r.text();

				if (fn(data, reinterpret_cast<const unsigned
				    char *>(t.data()), t.size()))
					break;
			} else {
				const ZXing::ByteArray &b = r.bytes();

				if (fn(data, b.data(), b.size()))
					break;
			}
		}
		return n;
	} catch (const std::exception &e) {
		log_error("zxing-cpp: %s", e.what());
	} catch (...) {
		log_error("zxing-cpp: unknown failure");
	}
	return -1;
}
