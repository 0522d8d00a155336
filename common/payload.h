/*
 * payload: what a scanned or typed text means (DESIGN.md section 4).
 *
 * One entry point, payload_parse(), takes the raw text from a camera, a
 * HID scanner or the keypad and returns a typed subject or a reason a
 * visitor can read. Accepted kinds:
 *
 *   cccd     chip ID card QR "ID12|oldID|Name|DOB|Nam/Nữ|Address|Issued"
 *            (also the 6-field form without old ID, and 8-11 fields, of
 *            which the first 7 are read)
 *   pccovid  PC-Covid personal QR "Doc|NAME|YYYY-MM-DD|Type|QID|Ext"
 *   pass     a signed visitor pass (see pass.h)
 *   officer  a signed officer pass: opens the patrol screen, not a visit
 *   phone    a Vietnamese mobile number, 10 digits, +84 form normalised
 *
 * Input rules, before any format is tried: a leading U+FEFF and trailing
 * CR/LF are stripped; at most PAYLOAD_MAX_BYTES bytes; valid UTF-8; no NUL
 * or other control characters; then normalised to NFC.
 *
 * Nothing here logs the text or stores it: a refused text may be personal
 * data and is forgotten by the caller.
 */
#ifndef KIOSK_PAYLOAD_H
#define KIOSK_PAYLOAD_H

#include <stddef.h>
#include <stdint.h>

#include "reason.h"

struct pass_trust;

#define PAYLOAD_MAX_BYTES 1024

enum payload_kind {
	PAYLOAD_CCCD,
	PAYLOAD_PCCOVID,
	PAYLOAD_PASS,
	PAYLOAD_OFFICER,
	PAYLOAD_PHONE
};

/* Warnings: accepted, but worth a note. */
#define PAYLOAD_WARN_PROVINCE 0x1	/* CCCD province code not known */

struct payload {
	enum payload_kind kind;
	char id[64];		/* subject id: the tracing key, stored in clear */
	char display[256];	/* what the screen may show: a name or masked id */
	unsigned warnings;

	/*
	 * Personal fields, sealed for the health authority before they are
	 * stored. Empty when the kind has no such field.
	 */
	char name[256];
	char dob[16];		/* as written on the card */
	char gender[16];
	char address[512];
	char old_id[16];
	char issue_date[16];
	char document[32];	/* PC-Covid document number, masked */
	char doc_type[8];
	char ext[128];
	char issuer[24];	/* pass issuer key id */
	int64_t expires;	/* pass expiry, Unix seconds */
};

struct payload_opts {
	int64_t now_ms;			/* wall time for date checks */
	const struct pass_trust *trust;	/* NULL: every pass is refused */
	/* The clock cannot be trusted (kiosk/clock.h): NOW_MS is only the
	 * earliest the time can be, and nothing is refused for being in the
	 * future (an issue date, a pass not yet valid). */
	int clock_untrusted;
};

/*
 * payload_parse(opts, text, len, out, reason):
 * Interpret TEXT (LEN bytes, not necessarily NUL-terminated). Returns 0 and
 * fills *OUT, or returns -1 and sets *REASON. *OUT holds personal data:
 * wipe it with payload_wipe() when done.
 */
int payload_parse(const struct payload_opts *opts, const char *text,
    size_t len, struct payload *out, enum reason *reason);

/*
 * payload_parse_cccd(opts, text, out, reason), payload_parse_pccovid(...),
 * payload_parse_phone(...):
 * The single-format parsers payload_parse() dispatches to, for tests and
 * fuzzing. TEXT is NUL-terminated, already cleaned (UTF-8, NFC, no
 * controls). Same returns as payload_parse().
 */
int payload_parse_cccd(const struct payload_opts *opts, const char *text,
    struct payload *out, enum reason *reason);
int payload_parse_pccovid(const struct payload_opts *opts, const char *text,
    struct payload *out, enum reason *reason);
int payload_parse_phone(const char *text, struct payload *out,
    enum reason *reason);

/*
 * payload_parse_cccd_number(opts, text, out, reason):
 * A chip ID card's number typed alone (on the phone check-in page): 12
 * digits whose first three are one of the 63 provinces' codes, whose
 * fourth (gender and century) is 0-3 (born 1900-2099), and whose birth
 * year (digits 5-6) is not after this year. Returns 0 with OUT's kind
 * PAYLOAD_CCCD and id, or -1 with *REASON REASON_CCCD_ID.
 */
int payload_parse_cccd_number(const struct payload_opts *opts,
    const char *text, struct payload *out, enum reason *reason);

/*
 * payload_clean(text, len, out, size, reason):
 * Apply the input rules above to TEXT, writing the NUL-terminated NFC
 * result into OUT (SIZE bytes, at least PAYLOAD_MAX_BYTES + 1). Returns
 * its length, or -1 with *REASON set.
 */
int payload_clean(const char *text, size_t len, char *out, size_t size,
    enum reason *reason);

/*
 * payload_keyboard_lost(text, len):
 * 1 if TEXT, typed by a USB scanner in keyboard mode, looks like a CCCD
 * whose Vietnamese letters were lost on the way: the card's shape (6 to
 * 11 '|' fields: an ID of 12 digits, a ddmmyyyy birth date, a gender
 * "N..."), but a name or address with a
 * '?' in it, or with no letter beyond ASCII in both (a US keyboard cannot
 * type them; real cards always have some). 0 otherwise.
 */
int payload_keyboard_lost(const char *text, size_t len);

/* payload_kind_name(k): "cccd", "pccovid", "pass", "officer" or "phone". */
const char *payload_kind_name(enum payload_kind k);

/*
 * payload_personal_json(p):
 * The personal fields of P as a compact JSON object (only fields that are
 * set), in a new string the caller must wipe and free; NULL when out of
 * memory.
 */
char *payload_personal_json(const struct payload *p);

/* payload_wipe(p): erase *P. */
void payload_wipe(struct payload *p);

#endif
