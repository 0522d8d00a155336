/*
 * reason: why a scan was refused. Each reason has a stable code, used in
 * kioskctl's JSON, in the store's reject counts and as the key of the
 * visitor-facing text in assets/strings/<lang>.txt ("reason.<code>").
 * Codes are a contract: add new ones, never rename.
 */
#ifndef KIOSK_REASON_H
#define KIOSK_REASON_H

enum reason {
	REASON_NONE = 0,
	REASON_EMPTY,
	REASON_TOO_LONG,
	REASON_BAD_UTF8,
	REASON_CONTROL_CHARS,
	REASON_UNKNOWN_FORMAT,
	REASON_CCCD_FIELDS,
	REASON_CCCD_ID,
	REASON_CCCD_OLD_ID,
	REASON_CCCD_NAME,
	REASON_CCCD_DOB,
	REASON_CCCD_GENDER,
	REASON_CCCD_GENDER_MISMATCH,
	REASON_CCCD_YEAR_MISMATCH,
	REASON_CCCD_ADDRESS,
	REASON_CCCD_ISSUE_DATE,
	REASON_PCCOVID_DOC,
	REASON_PCCOVID_NAME,
	REASON_PCCOVID_DOB,
	REASON_PCCOVID_TYPE,
	REASON_PCCOVID_QID,
	REASON_PCCOVID_EXT,
	REASON_PASS_FORMAT,
	REASON_PASS_UNKNOWN_ISSUER,
	REASON_PASS_SIGNATURE,
	REASON_PASS_EXPIRED,
	REASON_PASS_NOT_YET_VALID,
	REASON_PASS_REVOKED,
	REASON_PHONE,
	REASON_SCANNER_KEYBOARD,	/* keyboard-mode scanner lost letters */
	REASON_COUNT
};

/* reason_code(r): the stable code of R, e.g. "pass_expired". */
const char *reason_code(enum reason r);

/*
 * reason_from_code(code):
 * The reason whose code is CODE, or REASON_NONE when there is none.
 */
enum reason reason_from_code(const char *code);

#endif
