/*
 * enrolsheet: enrolment codes and their A4 sheet, for `collector token`
 * and the web console's token page. Each code is signed with the
 * collector's own key (db_ward.h) and carries a new one-time token.
 */
#ifndef KIOSK_ENROLSHEET_H
#define KIOSK_ENROLSHEET_H

#include <stdint.h>

#include <cairo.h>

#include "db.h"
#include "enrolcode.h"
#include "keys.h"

/* What makes a venue's code: the signer, the authority, the ward's
 * issuers; the sheet being written (NULL: none). */
struct enrolsheet {
	struct db *db;
	struct key_pair key;
	struct enrol_code base;		/* URL, authority, issuers */
	cairo_surface_t *pdf;
	cairo_t *cr;
	int64_t expires_ms;
};

/*
 * enrolsheet_open(mk, db, url, ward, expires_ms, pdf):
 * Ready to make WARD's codes for kiosks that reach the collector at URL
 * (PDF: the sheet's path, or NULL for none). 0, or -1 said on stderr (no
 * signing key or authority key yet: `collector init`).
 * enrolsheet_venue(mk, venue, hours, code): a token for VENUE, its code
 * into *CODE (malloc'd) and its page on the sheet. 0 or -1.
 * enrolsheet_close(mk, pdf): wipe the key, write the sheet to PDF (when
 * not NULL, mode 0600). 0 or -1.
 */
int enrolsheet_open(struct enrolsheet *mk, struct db *db, const char *url,
    const char *ward, int64_t expires_ms, const char *pdf);
int enrolsheet_venue(struct enrolsheet *mk, const struct wire_device *venue,
    const char *hours, char **code);
int enrolsheet_close(struct enrolsheet *mk, const char *pdf);

#endif
