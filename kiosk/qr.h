/*
 * qr: text to a QR code image (libqrencode), with the 4-module quiet zone
 * the standard asks for. Used for passes, the venue QR and receipts.
 */
#ifndef KIOSK_QR_H
#define KIOSK_QR_H

#include "image.h"

/*
 * qr_render(text, scale, out):
 * Encode TEXT (error correction M, 8-bit mode) and draw it with SCALE
 * pixels a module, black on white, into *OUT (release with
 * image_release). Returns the number of modules a side (without the quiet
 * zone), or -1 with a logged reason (text too long for a QR code).
 */
int qr_render(const char *text, int scale, struct image *out);

/* Error-correction levels, low to high. */
enum qr_ec { QR_EC_L, QR_EC_M, QR_EC_Q, QR_EC_H };

/*
 * qr_render_opts(text, scale, ec, mixed, out):
 * qr_render() with error correction EC, and with MIXED set, the segments
 * libqrencode picks (numeric and alphanumeric runs, as many encoders
 * write them) instead of one 8-bit segment. Same returns.
 */
int qr_render_opts(const char *text, int scale, enum qr_ec ec, int mixed,
    struct image *out);

#endif
