/*
 * passcard: a printable pass. See passcard.h.
 */
#include "passcard.h"

#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "print.h"

#define CARD_W (85.6 * PRINT_MM)
#define CARD_H (54.0 * PRINT_MM)

/* One card with its top left corner at (X, Y). */
static void
card(cairo_t *cr, double x, double y, const struct pass_info *info,
    const char *text, const char *issuer_name)
{
	const double pad = 3 * PRINT_MM, band = 9 * PRINT_MM;
	const double qr = CARD_H - band - 8 * PRINT_MM;
	const double tx = x + pad, tw = CARD_W - qr - 2 * pad;
	char from[16], until[16], line[200];
	int officer = info->role == PASS_OFFICER;
	double ty;

	/* A cut line, the band of the role's colour, the code. */
	cairo_set_source_rgb(cr, 0.6, 0.6, 0.6);
	cairo_set_line_width(cr, 0.5);
	cairo_rectangle(cr, x, y, CARD_W, CARD_H);
	cairo_stroke(cr);
	if (officer)
		cairo_set_source_rgb(cr, 0.09, 0.30, 0.55);
	else
		cairo_set_source_rgb(cr, 0.09, 0.48, 0.25);
	cairo_rectangle(cr, x, y, CARD_W, band);
	cairo_fill(cr);
	cairo_save(cr);
	cairo_set_source_rgb(cr, 1, 1, 1);
	cairo_select_font_face(cr, "DejaVu Sans", CAIRO_FONT_SLANT_NORMAL,
	    CAIRO_FONT_WEIGHT_BOLD);
	cairo_set_font_size(cr, 10);
	cairo_move_to(cr, tx, y + 6.2 * PRINT_MM);
	cairo_show_text(cr, officer ? "THẺ CÁN BỘ KIỂM TRA" :
	    "THẺ KHAI BÁO");
	cairo_restore(cr);
	(void)print_qr(cr, text, x + CARD_W - qr - pad / 2, y + band + PRINT_MM,
	    qr);
	ty = y + 11 * PRINT_MM;
	ty = print_text(cr, info->name, tx, ty, tw, 11, 1);
	ty = print_text(cr, officer ? "Cán bộ kiểm tra (officer)" :
	    "Khách (visitor)", tx, ty + 1, tw, 7.5, 0);
	print_day(info->not_before, from, sizeof(from));
	print_day(info->expires, until, sizeof(until));
	snprintf(line, sizeof(line), "Hiệu lực: %s – %s", from, until);
	ty = print_text(cr, line, tx, ty + 2, tw, 7.5, 0);
	if (issuer_name != NULL && issuer_name[0] != '\0') {
		snprintf(line, sizeof(line), "Cấp bởi: %s", issuer_name);
		ty = print_text(cr, line, tx, ty, tw, 7.5, 0);
	}
	snprintf(line, sizeof(line), "Mã thẻ: %s · khoá %s", info->id,
	    info->issuer);
	(void)print_text(cr, line, tx, y + CARD_H - 5.5 * PRINT_MM, CARD_W -
	    2 * pad, 6, 0);
}

int
passcard_pdf(const struct pass_info *info, const char *text,
    const char *issuer_name, const char *path)
{
	const double x = (PRINT_A4_W - CARD_W) / 2, m = 20 * PRINT_MM;
	cairo_surface_t *s;
	cairo_t *cr;
	char line[300];
	double y;

	if (print_pdf_open(path, &s, &cr) != 0)
		return -1;
	y = print_text(cr, "Thẻ in để cắt theo đường viền (hai bản: một để "
	    "dùng, một dự phòng). Quét mã QR ở kiosk.", m, m,
	    PRINT_A4_W - 2 * m, 10, 0);
	snprintf(line, sizeof(line), "Pass to cut out along its border (two "
	    "copies). Show its QR code to a kiosk's camera. Pass %s.",
	    info->id);
	y = print_text(cr, line, m, y + 2, PRINT_A4_W - 2 * m, 8, 0);
	card(cr, x, y + 12 * PRINT_MM, info, text, issuer_name);
	card(cr, x, y + 12 * PRINT_MM + CARD_H + 10 * PRINT_MM, info, text,
	    issuer_name);
	cairo_show_page(cr);
	if (print_pdf_close(cr, s, path) != 0)
		return -1;
	(void)chmod(path, 0600);
	return 0;
}
