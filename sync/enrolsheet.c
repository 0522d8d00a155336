/*
 * enrolsheet: enrolment codes and their A4 sheet. See enrolsheet.h.
 */
#include "enrolsheet.h"

#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include <sodium.h>

#include "db_ward.h"
#include "passlist.h"
#include "print.h"

/* One A4 page for the venue of C, its code CODE. */
static void
sheet_page(cairo_t *cr, const struct enrol_code *c, const char *code)
{
	const double m = 20 * PRINT_MM, w = PRINT_A4_W - 2 * m;
	const double qr = 105 * PRINT_MM;
	char fpr[ENROL_FPR_LEN + 1], line[700], day[32];
	double y = m;

	enrol_fingerprint(c->signer_pk, fpr);
	print_day(c->expires, day, sizeof(day));
	y = print_text(cr, "MÃ ĐĂNG KÝ KIOSK CHECK-IN", m, y, w, 20, 1);
	snprintf(line, sizeof(line), "Phường: %s", c->ward);
	y = print_text(cr, line, m, y + 2, w, 13, 0);
	y += 8;
	snprintf(line, sizeof(line), "Cơ sở: %s", c->venue_name[0] ?
	    c->venue_name : "(do chủ cơ sở khai)");
	y = print_text(cr, line, m, y, w, 14, 1);
	snprintf(line, sizeof(line), "Mã cơ sở: %s", c->venue_id);
	y = print_text(cr, line, m, y, w, 12, 0);
	if (c->address[0] != '\0') {
		snprintf(line, sizeof(line), "Địa chỉ: %s", c->address);
		y = print_text(cr, line, m, y, w, 12, 0);
	}
	snprintf(line, sizeof(line), "Giờ mở cửa: %s", c->hours[0] ?
	    c->hours : "cả ngày");
	y = print_text(cr, line, m, y, w, 12, 0);
	y += 10;
	(void)print_qr(cr, code, (PRINT_A4_W - qr) / 2, y, qr);
	y += qr + 8;
	snprintf(line, sizeof(line), "Dấu vân tay máy chủ phường: %s", fpr);
	y = print_text(cr, line, m, y, w, 13, 1);
	snprintf(line, sizeof(line), "Mã dùng một lần, hết hạn ngày %s. "
	    "Giữ kín tờ này: ai có mã này đều đăng ký được một kiosk cho cơ "
	    "sở của bạn.", day);
	y = print_text(cr, line, m, y + 2, w, 10, 0);
	y += 8;
	y = print_text(cr, "Cách cài đặt kiosk:", m, y, w, 12, 1);
	y = print_text(cr, "1. Cắm điện, camera và mạng cho máy kiosk rồi bật "
	    "máy.", m + 8, y + 2, w - 8, 11, 0);
	y = print_text(cr, "2. Khi màn hình hiện \"Quét mã đăng ký do phường "
	    "cấp\", đưa mã QR ở trên trước camera.", m + 8, y, w - 8, 11, 0);
	snprintf(line, sizeof(line), "3. So dấu vân tay trên màn hình với "
	    "dòng %s ở trên: khác nhau thì dừng lại và báo phường.", fpr);
	y = print_text(cr, line, m + 8, y, w - 8, 11, 0);
	y = print_text(cr, "4. Ghi lại mã PIN quản trị hiện trên màn hình "
	    "(chỉ hiện một lần). Kiosk tự đăng ký với phường rồi sẵn sàng "
	    "cho khách.", m + 8, y, w - 8, 11, 0);
	y += 6;
	(void)print_text(cr, "Kiosk enrolment code: show it to the kiosk's "
	    "camera when it asks for the ward's code; compare the fingerprint "
	    "it shows with the one above.", m, y, w, 9, 0);
	cairo_show_page(cr);
}


int
enrolsheet_open(struct enrolsheet *mk, struct db *db, const char *url,
    const char *ward, int64_t expires_ms, const char *pdf)
{
	struct passlist l;
	size_t i;
	int r;

	memset(mk, 0, sizeof(*mk));
	mk->db = db;
	mk->expires_ms = expires_ms;
	r = db_collector_key(db, &mk->key, 0);
	if (r == 1)
		fprintf(stderr, "collector: this collector has no signing key "
		    "yet: run `collector init` (with --authority-key) first\n");
	if (r != 0)
		return -1;
	r = db_authority_get(db, mk->base.authority_pk);
	if (r == 1)
		fprintf(stderr, "collector: the health authority's public key "
		    "is not set: `collector init --authority-key FILE.pub` (the "
		    "kiosks seal visitors' names to it)\n");
	if (r != 0)
		return -1;
	if (db_pass_list(db, ward, &l) != 0)
		return -1;
	for (i = 0; i < l.n_issuers && i < ENROL_ISSUERS_MAX; i++)
		memcpy(mk->base.issuers[i], l.issuers[i], KEYS_PUB_LEN);
	mk->base.n_issuers = (int)i;
	if (l.n_issuers == 0)
		fprintf(stderr, "collector: note: ward %s has no pass issuer "
		    "yet (collector pass issuer-add): its kiosks will trust no "
		    "officer's pass until one is added\n", ward);
	passlist_free(&l);
	snprintf(mk->base.url, sizeof(mk->base.url), "%s", url);
	snprintf(mk->base.ward, sizeof(mk->base.ward), "%s", ward);
	mk->base.expires = expires_ms / 1000;
	if (pdf != NULL && print_pdf_open(pdf, &mk->pdf, &mk->cr) != 0)
		return -1;
	return 0;
}

/* A token for VENUE (with HOURS), its code into *CODE (malloc'd), its
 * page on the sheet. 0 or -1 (logged). */
int
enrolsheet_venue(struct enrolsheet *mk, const struct wire_device *venue,
    const char *hours, char **code)
{
	char tok[DB_TOKEN_LEN + 1];
	struct enrol_code c = mk->base;
	int r;

	if (db_token_new_until(mk->db, "device-enrolment", venue,
	    mk->expires_ms, tok) != 0)
		return -1;
	snprintf(c.token, sizeof(c.token), "%s", tok);
	sodium_memzero(tok, sizeof(tok));
	snprintf(c.venue_id, sizeof(c.venue_id), "%s", venue->venue_id);
	snprintf(c.venue_name, sizeof(c.venue_name), "%s", venue->venue_name);
	snprintf(c.address, sizeof(c.address), "%s", venue->address);
	snprintf(c.hours, sizeof(c.hours), "%s", hours ? hours : "");
	r = enrol_code_make(&mk->key, &c, code);
	if (r == 0 && mk->cr != NULL)
		sheet_page(mk->cr, &c, *code);
	sodium_memzero(&c, sizeof(c));
	return r;
}

int
enrolsheet_close(struct enrolsheet *mk, const char *pdf)
{
	int r = 0;

	keys_wipe(&mk->key);
	if (mk->cr != NULL)
		r = print_pdf_close(mk->cr, mk->pdf, pdf);
	if (r == 0 && pdf != NULL)
		(void)chmod(pdf, 0600);
	print_done();
	return r;
}

