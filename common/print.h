/*
 * print: printables drawn with cairo (Debian's libcairo): a QR code as a
 * PNG, and the pieces of an A4 PDF page (a QR code, wrapped text) that the
 * enrolment sheet (collector token --pdf) and the pass card (kioskctl
 * issue-pass --pdf) are made of. Text is set in DejaVu Sans through
 * fontconfig, every Vietnamese tone mark included.
 */
#ifndef KIOSK_PRINT_H
#define KIOSK_PRINT_H

#include <stddef.h>
#include <stdint.h>

#include <cairo.h>

/* A4 in PostScript points, as cairo's PDF surface measures. */
#define PRINT_A4_W 595.28
#define PRINT_A4_H 841.89
#define PRINT_MM (72.0 / 25.4)

/*
 * print_qr_png(text, path, module_px):
 * TEXT as a QR code (error correction M, a 4-module quiet zone) in the PNG
 * file PATH, MODULE_PX pixels a module. Returns 0, or -1 (logged).
 */
int print_qr_png(const char *text, const char *path, int module_px);

/*
 * print_qr(cr, text, x, y, size):
 * TEXT as a QR code, black on white, its quiet zone included, in the
 * square SIZE wide at (X, Y). Returns 0, or -1 (logged: too long).
 */
int print_qr(cairo_t *cr, const char *text, double x, double y, double size);

/*
 * print_text(cr, text, x, y, width, pt, bold):
 * TEXT (UTF-8) at PT points from (X, Y) (the top of its first line),
 * wrapped at spaces to WIDTH. Returns the y below the last line.
 */
double print_text(cairo_t *cr, const char *text, double x, double y,
    double width, double pt, int bold);

/*
 * print_pdf_open(path, surface) / print_pdf_close(cr, surface, path):
 * An A4 PDF at PATH (written when closed); 0 or -1 (logged). Each page
 * ends with cairo_show_page(cr).
 */
int print_pdf_open(const char *path, cairo_surface_t **surface,
    cairo_t **cr);
int print_pdf_close(cairo_t *cr, cairo_surface_t *surface, const char *path);

/* print_day(s, out, size): Unix seconds S as "DD/MM/YYYY", local time, as
 * a printed page says a date ("?" when it cannot be). */
void print_day(int64_t s, char *out, size_t size);

/*
 * print_done(): give back what cairo and fontconfig keep for the whole
 * process (caches, the fonts' list), once nothing drawn is left: a
 * program that printed calls it before it ends, so that leak checkers
 * see no leak of theirs.
 */
void print_done(void);

#endif
