/*
 * print: QR codes and A4 pages with cairo. See print.h.
 */
#include "print.h"

#include <errno.h>
#include <stdio.h>
#include <time.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <cairo-pdf.h>
#include <fontconfig/fontconfig.h>
#include <qrencode.h>

#include "log.h"

/* TEXT as a QR code (binary, level M), or NULL (logged). */
static QRcode *
encode(const char *text)
{
	QRcode *q = QRcode_encodeData((int)strlen(text),
	    (const unsigned char *)text, 0, QR_ECLEVEL_M);

	if (q == NULL)
		log_error("cannot make a QR code of %zu bytes: %s",
		    strlen(text), strerror(errno));
	return q;
}

/* Q's dark modules as squares of MOD from (X, Y), past a 4-module quiet
 * zone. */
static void
modules(cairo_t *cr, const QRcode *q, double x, double y, double mod)
{
	int r, c;

	cairo_set_source_rgb(cr, 1, 1, 1);
	cairo_rectangle(cr, x, y, (q->width + 8) * mod, (q->width + 8) * mod);
	cairo_fill(cr);
	cairo_set_source_rgb(cr, 0, 0, 0);
	for (r = 0; r < q->width; r++)
		for (c = 0; c < q->width; c++)
			if (q->data[r * q->width + c] & 1)
				cairo_rectangle(cr, x + (c + 4) * mod,
				    y + (r + 4) * mod, mod, mod);
	cairo_fill(cr);
}

int
print_qr_png(const char *text, const char *path, int module_px)
{
	QRcode *q = encode(text);
	cairo_surface_t *s;
	cairo_t *cr;
	cairo_status_t st;
	int side;

	if (q == NULL)
		return -1;
	side = (q->width + 8) * module_px;
	/* A file there already keeps its mode when written over: private
	 * first (an enrolment code enrols a kiosk). */
	(void)chmod(path, 0600);
	s = cairo_image_surface_create(CAIRO_FORMAT_RGB24, side, side);
	cr = cairo_create(s);
	modules(cr, q, 0, 0, module_px);
	cairo_destroy(cr);
	QRcode_free(q);
	st = cairo_surface_write_to_png(s, path);
	cairo_surface_destroy(s);
	if (st != CAIRO_STATUS_SUCCESS) {
		log_error("cannot write '%s': %s", path,
		    cairo_status_to_string(st));
		return -1;
	}
	return 0;
}

int
print_qr(cairo_t *cr, const char *text, double x, double y, double size)
{
	QRcode *q = encode(text);

	if (q == NULL)
		return -1;
	modules(cr, q, x, y, size / (q->width + 8));
	QRcode_free(q);
	return 0;
}

double
print_text(cairo_t *cr, const char *text, double x, double y, double width,
    double pt, int bold)
{
	cairo_font_extents_t fe;
	cairo_text_extents_t te;
	char *line = malloc(strlen(text) + 1);
	const char *p = text;

	if (line == NULL)
		return y;
	cairo_select_font_face(cr, "DejaVu Sans", CAIRO_FONT_SLANT_NORMAL,
	    bold ? CAIRO_FONT_WEIGHT_BOLD : CAIRO_FONT_WEIGHT_NORMAL);
	cairo_set_font_size(cr, pt);
	cairo_font_extents(cr, &fe);
	cairo_set_source_rgb(cr, 0, 0, 0);
	while (*p != '\0') {
		size_t n = 0, fit = 0;

		/* The longest run of words that fits (at least one word). */
		for (;;) {
			size_t end = n;

			while (p[end] == ' ')
				end++;
			while (p[end] != '\0' && p[end] != ' ' &&
			    p[end] != '\n')
				end++;
			memcpy(line, p, end);
			line[end] = '\0';
			cairo_text_extents(cr, line, &te);
			if (fit > 0 && te.x_advance > width)
				break;
			fit = end;
			n = end;
			if (p[end] == '\0' || p[end] == '\n')
				break;
		}
		memcpy(line, p, fit);
		line[fit] = '\0';
		cairo_move_to(cr, x, y + fe.ascent);
		cairo_show_text(cr, line);
		y += fe.height * 1.15;
		p += fit;
		while (*p == ' ')
			p++;
		if (*p == '\n')
			p++;
	}
	free(line);
	return y;
}

int
print_pdf_open(const char *path, cairo_surface_t **surface, cairo_t **cr)
{
	(void)chmod(path, 0600);	/* as print_qr_png */
	*surface = cairo_pdf_surface_create(path, PRINT_A4_W, PRINT_A4_H);
	if (cairo_surface_status(*surface) != CAIRO_STATUS_SUCCESS) {
		log_error("cannot write '%s': %s", path, cairo_status_to_string(
		    cairo_surface_status(*surface)));
		cairo_surface_destroy(*surface);
		return -1;
	}
	*cr = cairo_create(*surface);
	return 0;
}

int
print_pdf_close(cairo_t *cr, cairo_surface_t *surface, const char *path)
{
	cairo_status_t st = cairo_status(cr);

	cairo_destroy(cr);
	cairo_surface_finish(surface);
	if (st == CAIRO_STATUS_SUCCESS)
		st = cairo_surface_status(surface);
	cairo_surface_destroy(surface);
	if (st != CAIRO_STATUS_SUCCESS) {
		log_error("cannot write '%s': %s", path,
		    cairo_status_to_string(st));
		return -1;
	}
	return 0;
}

void
print_day(int64_t s, char *out, size_t size)
{
	time_t t = (time_t)s;
	struct tm tm;

	if (localtime_r(&t, &tm) == NULL ||
	    strftime(out, size, "%d/%m/%Y", &tm) == 0)
		snprintf(out, size, "?");
}

void
print_done(void)
{
	cairo_debug_reset_static_data();
	FcFini();
}
