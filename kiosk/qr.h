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

#endif
